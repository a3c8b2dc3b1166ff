package view

import "github.com/sothutu/sothutu/controller/pages"

// texts are the city view's own words, Vietnamese then English; the shared
// layout's are pages.Frame.
var texts = pages.Texts{
	"nav.city":       {"Các trung tâm", "Centres"},
	"city.title":     {"Thời gian chờ tại các trung tâm", "Waiting at the centres"},
	"city.centres":   {"Trung tâm", "Centres"},
	"city.centre":    {"Trung tâm", "Centre"},
	"city.id":        {"Mã", "Code"},
	"city.rank":      {"Hạng", "Rank"},
	"city.waiting":   {"Đang chờ", "Waiting"},
	"city.issued":    {"Số phiếu hôm nay", "Issued today"},
	"city.served":    {"Đã phục vụ hôm nay", "Served today"},
	"city.noshows":   {"Vắng mặt", "No-shows"},
	"city.p50":       {"Chờ trung vị (phút)", "Median wait (min)"},
	"city.p90":       {"Chờ P90 (phút)", "90th pct wait (min)"},
	"city.within":    {"Trong mục tiêu (%)", "Within target (%)"},
	"city.satisfied": {"Hài lòng (%)", "Satisfied (%)"},
	"city.uplink":    {"Kết nối", "Uplink"},
	"city.up":        {"Bình thường", "Up"},
	"city.down":      {"Mất kết nối", "Down"},
	"city.downcount": {"Mất kết nối", "Uplink down"},
	"city.last":      {"Số liệu cuối", "Latest figures"},
	"city.devices":   {"Thiết bị", "Devices"},
	"city.offline":   {"Thiết bị mất kết nối", "Devices offline"},
	"city.faults":    {"lỗi", "faults"},
	"city.trend":     {"Xu hướng 30 ngày", "30-day trend"},
	"city.nodays":    {"Chưa có số liệu ngày nào.", "No day's figures yet."},
	"city.note":      {"Xếp hạng theo tỷ lệ lượt chờ trong thời gian mục tiêu hôm nay, rồi theo thời gian chờ P90. Trung tâm mất kết nối xếp sau cùng.", "Ranked by today's share of waits within target, then by the 90th percentile wait; centres whose uplink is down come last."},
}

// words are the city view's words and the shared ones.
var words = pages.Frame.With(texts)

func translate(lang, key string) string { return words.Translate(lang, key) }
