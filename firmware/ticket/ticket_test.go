package ticket

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"

	"github.com/sothutu/sothutu/internal/servertest"
	"github.com/sothutu/sothutu/protocol"
)

var update = flag.Bool("update", false, "rewrite the golden PNG files in testdata/")

const (
	longCentre = "Trung tâm Phục vụ hành chính công phường Ninh Kiều, thành phố Cần Thơ"
	statusURL  = "http://192.168.1.10:8080/t/%s"
)

// needFonts skips a test when the DejaVu fonts are missing, and fails it
// in CI, where they must be installed.
func needFonts(t testing.TB) {
	t.Helper()
	for _, p := range []string{DefaultFontPath, DefaultBoldFontPath} {
		servertest.File(t, p, "apt-get install -y fonts-dejavu-core")
	}
}

func newRenderer(t testing.TB, l Layout) *Renderer {
	t.Helper()
	needFonts(t)
	r, err := NewRenderer(l)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// at is a time on the test day, given in Vietnam's local time.
func at(h, m int) time.Time {
	return time.Date(2026, 11, 23, h, m, 2, 0, vietnam).UTC()
}

var goldens = []struct {
	file    string
	layout  Layout
	ticket  protocol.Ticket
	reprint bool
}{
	{
		file: "vi_58mm_priority_reprint.png",
		layout: Layout{PaperDots: Paper58mm, CentreName: longCentre, ServiceName: "Đăng ký kinh doanh",
			StatusURL: statusURL, Lang: "vi"},
		ticket: protocol.Ticket{Number: "A023", Service: "A", Priority: protocol.PriorityElderly, Lang: "vi",
			Ahead: 3, WaitSeconds: 690, Issued: at(8, 15), Day: "2026-11-23", Token: "x7kp2qab3c"},
		reprint: true,
	},
	{
		file: "en_80mm.png",
		layout: Layout{PaperDots: Paper80mm, CentreName: longCentre, ServiceName: "Business registration",
			StatusURL: statusURL, Lang: "en"},
		ticket: protocol.Ticket{Number: "A024", Service: "A", Lang: "en",
			Ahead: 0, WaitSeconds: 0, Issued: at(8, 16), Day: "2026-11-23", Token: "qm3v9aw7rt"},
	},
	{
		file: "vi_80mm.png",
		layout: Layout{PaperDots: Paper80mm, CentreName: longCentre, ServiceName: "Đăng ký kinh doanh",
			StatusURL: statusURL},
		ticket: protocol.Ticket{Number: "B1023", Service: "B", Lang: "vi",
			Ahead: 17, WaitSeconds: 3601, Issued: at(14, 5), Day: "2026-11-23", Token: "b4hzd6eeoq"},
	},
}

func TestGolden(t *testing.T) {
	for _, g := range goldens {
		t.Run(g.file, func(t *testing.T) {
			img, err := newRenderer(t, g.layout).Render(g.ticket, g.reprint)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", g.file)
			if *update {
				writePNG(t, path, img)
				return
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatalf("%v (go test ./firmware/ticket/ -update writes it)", err)
			}
			defer f.Close()
			want, err := png.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			if d := diff(want, img); d != "" {
				got := filepath.Join(t.TempDir(), g.file)
				writePNG(t, got, img)
				t.Errorf("%s differs from the rendering, written to %s: %s (look at both; -update rewrites the golden)", path, got, d)
			}
		})
	}
}

// writePNG writes a 1-bit PNG.
func writePNG(t *testing.T, path string, img *image.Gray) {
	t.Helper()
	bw := image.NewPaletted(img.Bounds(), color.Palette{color.Gray{0}, color.Gray{255}})
	for i, v := range img.Pix {
		if v >= 128 {
			bw.Pix[i] = 1
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, bw); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// diff describes how two images differ, or is empty.
func diff(want image.Image, got *image.Gray) string {
	if want.Bounds() != got.Bounds() {
		return fmt.Sprintf("size %v, want %v", got.Bounds().Size(), want.Bounds().Size())
	}
	n, first := 0, image.Point{}
	for y := got.Rect.Min.Y; y < got.Rect.Max.Y; y++ {
		for x := got.Rect.Min.X; x < got.Rect.Max.X; x++ {
			w := color.GrayModel.Convert(want.At(x, y)).(color.Gray).Y < 128
			g := got.GrayAt(x, y).Y < 128
			if w != g {
				if n == 0 {
					first = image.Pt(x, y)
				}
				n++
			}
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d pixels differ, the first at %v", n, first)
}

// TestImage checks what every ticket must be: exactly the paper's width,
// pure black and white, nothing in the side margins (nothing cut), and a
// QR code that decodes to the status link.
func TestImage(t *testing.T) {
	cases := goldens
	// Texts wider than the paper, given decomposed, with every letter.
	letters := norm.NFD.String(string(vietnameseLetters()))
	for _, paper := range []int{Paper58mm, Paper80mm} {
		cases = append(cases, struct {
			file    string
			layout  Layout
			ticket  protocol.Ticket
			reprint bool
		}{
			file: fmt.Sprintf("letters_%d", paper),
			layout: Layout{PaperDots: paper, CentreName: letters, ServiceName: strings.Repeat("Đ", 60) + " " + letters,
				Footer: strings.Repeat("ỹ", 80), StatusURL: statusURL},
			ticket: protocol.Ticket{Number: "A" + strings.Repeat("9", 20), Priority: protocol.PriorityVeteran,
				Ahead: 123456, WaitSeconds: 1e6, Issued: at(23, 59), Token: "aaaaaaaaaaaaaaaa"},
			reprint: true,
		})
	}
	for _, g := range cases {
		t.Run(g.file, func(t *testing.T) {
			r := newRenderer(t, g.layout)
			img, err := r.Render(g.ticket, g.reprint)
			if err != nil {
				t.Fatal(err)
			}
			if w := img.Bounds().Dx(); w != g.layout.PaperDots || img.Rect.Min != (image.Point{}) {
				t.Errorf("bounds %v, want width %d from 0,0", img.Rect, g.layout.PaperDots)
			}
			for i, v := range img.Pix {
				if v != 0 && v != 255 {
					t.Fatalf("pixel %d is grey %d", i, v)
				}
			}
			margin := int(r.scaled(marginDots)) - 2
			for y := 0; y < img.Rect.Dy(); y++ {
				for x := range margin {
					if img.GrayAt(x, y).Y == 0 || img.GrayAt(img.Rect.Dx()-1-x, y).Y == 0 {
						t.Fatalf("ink at x=%d or %d, y=%d, in the side margin", x, img.Rect.Dx()-1-x, y)
					}
				}
			}
			for _, y := range []int{0, img.Rect.Dy() - 1} {
				for x := range img.Rect.Dx() {
					if img.GrayAt(x, y).Y == 0 {
						t.Fatalf("ink on the first or last row at %d,%d", x, y)
					}
				}
			}
			want := strings.Replace(g.layout.StatusURL, "%s", g.ticket.Token, 1)
			if got, err := decodeQR(img); err != nil || got != want {
				t.Errorf("QR code reads %q, %v; want %q", got, err, want)
			}
		})
	}
}

// TestQRGeometry checks the QR code's modules and quiet zone on both papers
// and for links up to the longest the paper takes.
func TestQRGeometry(t *testing.T) {
	for _, paper := range []int{Paper58mm, Paper80mm} {
		for _, n := range []int{10, 40, 80} {
			link := "http://192.168.1.10:8080/t/" + strings.Repeat("x", n)
			q, err := newQR(link, paper)
			if err != nil {
				t.Fatalf("%d dots, %d letters: %v", paper, n, err)
			}
			if q.module < minModule || q.module > maxModule {
				t.Errorf("%d dots, %d letters: module %d dots", paper, n, q.module)
			}
			if q.size() > paper || q.size() != (len(q.modules)+8)*q.module {
				t.Errorf("%d dots, %d letters: size %d", paper, n, q.size())
			}
			img := image.NewGray(image.Rect(0, 0, paper, q.size()))
			q.draw(img, (paper-q.size())/2, 0)
			if got, err := decodeQR(img); err != nil || got != link {
				t.Errorf("%d dots, %d letters: decodes to %q, %v", paper, n, got, err)
			}
			// The quiet zone is white: four modules on every side.
			left, qz := (paper-q.size())/2, quietModules*q.module
			inner := image.Rect(left+qz, qz, left+q.size()-qz, q.size()-qz)
			for y := range q.size() {
				for x := left; x < left+q.size(); x++ {
					if !image.Pt(x, y).In(inner) && img.GrayAt(x, y).Y != 255 {
						t.Fatalf("%d dots: ink in the quiet zone at %d,%d", paper, x, y)
					}
				}
			}
		}
	}
	if _, err := newQR("http://192.168.1.10:8080/t/"+strings.Repeat("x", 600), Paper58mm); !errors.Is(err, ErrQRTooLarge) {
		t.Errorf("600-letter link on 58 mm: %v, want ErrQRTooLarge", err)
	}
}

func decodeQR(img image.Image) (string, error) {
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", err
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
}

// vietnameseLetters is every Vietnamese letter, lower and upper case, with
// every tone mark, built from base letters and combining marks.
func vietnameseLetters() []rune {
	bases := "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
	tones := []string{"", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"} // huyền sắc hỏi ngã nặng
	runes := []rune("đĐ")
	for _, b := range bases {
		for _, tone := range tones {
			s := norm.NFC.String(string(b) + tone)
			if n := len([]rune(s)); n != 1 {
				panic(fmt.Sprintf("%q%q composes to %d letters", b, tone, n))
			}
			runes = append(runes, []rune(s)[0])
		}
	}
	return runes
}

func TestGlyphs(t *testing.T) {
	r := newRenderer(t, Layout{})
	letters := vietnameseLetters()
	if len(letters) != 2+24*6 {
		t.Fatalf("%d letters", len(letters))
	}
	var texts []string
	for _, lb := range labelsByLang {
		texts = append(texts, lb.all()...)
	}
	for c := rune(0x1EA0); c <= 0x1EF9; c++ {
		texts = append(texts, string(c))
	}
	texts = append(texts, string(letters), longCentre, "Đăng ký kinh doanh", "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz:/%")
	var buf sfnt.Buffer
	for name, f := range map[string]*sfnt.Font{"regular": r.regular, "bold": r.bold} {
		for _, s := range texts {
			for _, c := range s {
				if i, err := f.GlyphIndex(&buf, c); err != nil || i == 0 {
					t.Errorf("%s font: no glyph for %q (%U): %v", name, c, c, err)
				}
			}
		}
	}

	// Every letter, given decomposed, renders, wraps and is not cut.
	decomposed := norm.NFD.String(string(letters))
	r = newRenderer(t, Layout{ServiceName: decomposed, CentreName: decomposed})
	img, err := r.Render(protocol.Ticket{Number: "A001"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if img.Rect.Dx() != Paper58mm {
		t.Errorf("width %d", img.Rect.Dx())
	}
}

func TestWrap(t *testing.T) {
	needFonts(t)
	r := newRenderer(t, Layout{})
	face, err := newFace(r.regular, 24)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		longCentre,
		"Ủyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy ban",
		"a",
		"",
	} {
		for _, width := range []int{40, 200, 360} {
			lines := wrap(face, s, width)
			if got, want := strings.Join(lines, ""), strings.ReplaceAll(s, " ", ""); strings.ReplaceAll(got, " ", "") != want {
				t.Errorf("wrap(%q, %d) lost letters: %q", s, width, lines)
			}
			for _, l := range lines {
				if inkWidth(face, l) > width && len([]rune(l)) > 1 {
					t.Errorf("wrap(%q, %d): line %q is %d wide", s, width, l, inkWidth(face, l))
				}
			}
		}
	}
	// A no-break space keeps the figure with its unit.
	lines := wrap(face, labelsByLang["vi"].waitText(690), 360)
	if last := lines[len(lines)-1]; last != "12\u00a0phút" {
		t.Errorf("wait wraps as %q", lines)
	}
}

func TestTexts(t *testing.T) {
	vi, en := labelsByLang["vi"], labelsByLang["en"]
	for _, c := range []struct {
		seconds int
		vi, en  string
	}{
		{-5, "Thời gian chờ dự kiến: dưới 1 phút", "Estimated wait: under 1 min"},
		{0, "Thời gian chờ dự kiến: dưới 1 phút", "Estimated wait: under 1 min"},
		{59, "Thời gian chờ dự kiến: dưới 1 phút", "Estimated wait: under 1 min"},
		{60, "Thời gian chờ dự kiến: 1 phút", "Estimated wait: 1 min"},
		{61, "Thời gian chờ dự kiến: 2 phút", "Estimated wait: 2 min"},
		{690, "Thời gian chờ dự kiến: 12 phút", "Estimated wait: 12 min"},
		{720, "Thời gian chờ dự kiến: 12 phút", "Estimated wait: 12 min"},
	} {
		nbsp := strings.NewReplacer("\u00a0", " ")
		if got := nbsp.Replace(vi.waitText(c.seconds)); got != c.vi {
			t.Errorf("vi %d s: %q, want %q", c.seconds, got, c.vi)
		}
		if got := nbsp.Replace(en.waitText(c.seconds)); got != c.en {
			t.Errorf("en %d s: %q, want %q", c.seconds, got, c.en)
		}
	}
	if got := vi.waitText(600); !strings.HasSuffix(got, " 10\u00a0phút") {
		t.Errorf("wait: %q, want the figure bound to its unit", got)
	}
	if got := fmt.Sprintf(vi.ahead, 3); got != "Số người đang chờ:\u00a03" {
		t.Errorf("ahead: %q", got)
	}
	// 01:15 UTC is 08:15 in Vietnam; 23:30 UTC is the next morning there.
	for _, c := range []struct {
		t    time.Time
		loc  *time.Location
		want string
	}{
		{time.Date(2026, 11, 23, 1, 15, 59, 0, time.UTC), vietnam, "23/11/2026 08:15"},
		{time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC), vietnam, "23/11/2026 06:30"},
		{time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC), time.UTC, "22/11/2026 23:30"},
	} {
		if got := issuedText(c.t, c.loc); got != c.want {
			t.Errorf("issuedText(%v, %v) = %q, want %q", c.t, c.loc, got, c.want)
		}
	}

	r := &Renderer{}
	for _, c := range []struct{ layout, ticket, want string }{
		{"", "", "vi"}, {"", "en", "en"}, {"", "km", "vi"}, {"vi", "en", "vi"}, {"en", "vi", "en"},
	} {
		r.l.Lang = c.layout
		if got := r.labels(c.ticket); got != labelsByLang[c.want] {
			t.Errorf("layout %q, ticket %q: labels %q, want %q", c.layout, c.ticket, got.title, labelsByLang[c.want].title)
		}
	}
}

// TestMarks checks that the priority and reprint marks add to the ticket,
// and that Render is safe for concurrent use.
func TestMarks(t *testing.T) {
	r := newRenderer(t, Layout{CentreName: "Phường Ninh Kiều", StatusURL: statusURL})
	tk := protocol.Ticket{Number: "A001", Token: "abcdefghij", Issued: at(8, 0)}
	height := func(tk protocol.Ticket, reprint bool) int {
		img, err := r.Render(tk, reprint)
		if err != nil {
			t.Error(err)
			return 0
		}
		return img.Rect.Dy()
	}
	plain := height(tk, false)
	if h := height(tk, true); h <= plain {
		t.Errorf("reprint %d dots tall, plain %d", h, plain)
	}
	prio := tk
	prio.Priority = protocol.PriorityPregnant
	if h := height(prio, false); h <= plain {
		t.Errorf("priority %d dots tall, plain %d", h, plain)
	}
	noToken := tk
	noToken.Token = ""
	if h := height(noToken, false); h >= plain {
		t.Errorf("without a token %d dots tall, with one %d: want no QR code", h, plain)
	}

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if h := height(prio, true); h <= plain {
				t.Errorf("concurrent render %d tall", h)
			}
		})
	}
	wg.Wait()
}

func TestNewRendererErrors(t *testing.T) {
	needFonts(t)
	missing := filepath.Join(t.TempDir(), "DejaVuSans.ttf")
	_, err := NewRenderer(Layout{FontPath: missing})
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) ||
		!strings.Contains(err.Error(), "apt-get install fonts-dejavu-core") {
		t.Errorf("missing font: %v", err)
	}
	notFont := filepath.Join(t.TempDir(), "x.ttf")
	if err := os.WriteFile(notFont, []byte("not a font"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := NewRenderer(Layout{BoldFontPath: notFont}); err == nil || !strings.Contains(err.Error(), notFont) {
		t.Errorf("not a font: %v", err)
	}
	for _, c := range []struct {
		l    Layout
		want error
	}{
		{Layout{PaperDots: 100}, ErrPaperWidth},
		{Layout{PaperDots: 380}, ErrPaperWidth},
		{Layout{StatusURL: "http://192.168.1.10:8080/t/"}, ErrStatusURL},
		{Layout{StatusURL: "http://192.168.1.10:8080/t/" + strings.Repeat("x", 600) + "/%s"}, ErrQRTooLarge},
		{Layout{CentreName: "Trung tâm 中"}, ErrNoGlyph},
		{Layout{ServiceName: "សេវា"}, ErrNoGlyph},
	} {
		if _, err := NewRenderer(c.l); !errors.Is(err, c.want) {
			t.Errorf("NewRenderer(%+v): %v, want %v", c.l, err, c.want)
		}
	}
	if _, err := NewRenderer(Layout{Lang: "km"}); err == nil {
		t.Error("label language km accepted")
	}
}

func BenchmarkRender(b *testing.B) {
	for _, g := range goldens[:2] {
		b.Run(g.file, func(b *testing.B) {
			r := newRenderer(b, g.layout)
			for b.Loop() {
				if _, err := r.Render(g.ticket, g.reprint); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
