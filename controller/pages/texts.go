package pages

// Texts are words of the pages by key, Vietnamese then English.
type Texts map[string][2]string

// Frame are the words of the shared layout, the sign-in and error pages,
// the common script, and those both the centre's and the city's pages use.
var Frame = Texts{
	"app":             {"Hệ thống xếp hàng", "Queue system"},
	"nav.signout":     {"Đăng xuất", "Sign out"},
	"nav.lang":        {"English", "Tiếng Việt"},
	"role.manager":    {"Quản lý", "Manager"},
	"role.staff":      {"Cán bộ", "Staff"},
	"role.viewer":     {"Xem", "Viewer"},
	"signin.title":    {"Đăng nhập", "Sign in"},
	"signin.name":     {"Tên đăng nhập", "User name"},
	"signin.password": {"Mật khẩu", "Password"},
	"signin.submit":   {"Đăng nhập", "Sign in"},
	"signin.wrong":    {"Sai tên đăng nhập hoặc mật khẩu.", "Wrong user name or password."},
	"signin.limited":  {"Quá nhiều lần thử. Vui lòng đợi một phút rồi thử lại.", "Too many attempts. Wait a minute and try again."},
	"signin.expired":  {"Trang đăng nhập đã cũ. Vui lòng thử lại.", "The sign-in page had expired. Please try again."},
	"error.signin":    {"Vui lòng đăng nhập.", "Please sign in."},
	"error.csrf":      {"Yêu cầu không hợp lệ (mã bảo vệ sai). Tải lại trang rồi thử lại.", "Request refused (bad security token). Reload the page and try again."},
	"error.role":      {"Bạn không có quyền mở trang này.", "You do not have access to this page."},
	"error.busy":      {"Hệ thống đang bận, vui lòng thử lại.", "The system is busy; try again."},
	"error.title":     {"Lỗi", "Error"},
	"error.back":      {"Về trang chính", "Back to the start"},
	"live.offline":    {"Mất kết nối với bộ điều khiển", "Disconnected from the controller"},
	"live.updated":    {"Cập nhật", "Updated"},
	"status.offline":  {"Mất kết nối", "Offline"},
	"report.csv":      {"Tải CSV", "Download CSV"},
	"report.date":     {"Ngày", "Date"},
	"min":             {"phút", "min"},
}

// With returns the words of t and more; more's win where both have a key.
func (t Texts) With(more Texts) Texts {
	out := make(Texts, len(t)+len(more))
	for k, v := range t {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

// Translate is key's words in lang ("en", else Vietnamese); the key itself
// when there are none.
func (t Texts) Translate(lang, key string) string {
	words, ok := t[key]
	if !ok {
		return key
	}
	if lang == "en" {
		return words[1]
	}
	return words[0]
}

// Dictionary is every word in one language, for the pages' scripts.
func (t Texts) Dictionary(lang string) map[string]string {
	out := make(map[string]string, len(t))
	for k := range t {
		out[k] = t.Translate(lang, k)
	}
	return out
}
