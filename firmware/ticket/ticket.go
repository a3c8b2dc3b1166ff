package ticket

import (
	"errors"
	"fmt"
	"image"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"

	"github.com/sothutu/sothutu/protocol"
)

// Default font files, from Debian's fonts-dejavu-core. DejaVu Sans covers
// all of Vietnamese (Latin Extended Additional, U+1EA0-1EF9) as precomposed
// glyphs, which is what a renderer without mark positioning needs.
const (
	DefaultFontPath     = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
	DefaultBoldFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
)

// Paper widths in dots at 203 dpi.
const (
	Paper58mm = 384
	Paper80mm = 576
)

// Errors callers may branch on.
var (
	// ErrPaperWidth: Layout.PaperDots is not a printable width.
	ErrPaperWidth = errors.New("paper width must be a multiple of 8 dots between 256 and 1024 (384 for 58 mm paper, 576 for 80 mm)")
	// ErrStatusURL: Layout.StatusURL has no %s for the token.
	ErrStatusURL = errors.New(`status URL must hold one "%s" for the ticket's token, e.g. "http://192.168.1.10:8080/t/%s"`)
	// ErrNoGlyph: a configured text has a letter the font cannot draw.
	ErrNoGlyph = errors.New("the font has no glyph for a letter")
	// ErrQRTooLarge: the status link is too long for a QR code of at least
	// 4 dots per module, with its quiet zone, across the paper.
	ErrQRTooLarge = errors.New("status link too long for a QR code on this paper")
)

// Layout is what a ticket shows besides the ticket itself. Texts are
// normalised to precomposed letters (NFC) before use.
type Layout struct {
	// PaperDots is the printable width in dots: Paper58mm (384, the
	// default) or Paper80mm (576).
	PaperDots int
	// FontPath and BoldFontPath are TrueType files; empty means
	// DefaultFontPath and DefaultBoldFontPath.
	FontPath, BoldFontPath string
	// CentreName is printed at the top, wrapped and centred.
	CentreName string
	// ServiceName is the service's name in the label language, resolved
	// by the caller; empty prints the ticket's service code.
	ServiceName string
	// StatusURL is the ticket's status page with "%s" where the token
	// goes, e.g. "http://192.168.1.10:8080/t/%s"; it is printed as a QR
	// code with the token under it. Empty prints no QR code.
	StatusURL string
	// Footer is printed last; empty means "Xin cảm ơn quý khách" or
	// "Thank you".
	Footer string
	// Location is the time zone of the printed date and time; nil means
	// Vietnam's (UTC+7 all year).
	Location *time.Location
	// Lang is the label language, "vi" or "en". Empty follows each
	// ticket's Lang, and Vietnamese for any other language.
	Lang string
}

// Renderer lays out tickets. It is safe for concurrent use.
type Renderer struct {
	l             Layout
	regular, bold *opentype.Font
	statusURL     string // with "%s" for the path-escaped token
}

// vietnam is Vietnam's time zone: UTC+7 without daylight saving, so a fixed
// zone is exact and needs no tzdata on the kiosk.
var vietnam = time.FixedZone("ICT", 7*60*60)

// NewRenderer checks the layout and loads its fonts. The configured texts
// and every label are checked against the fonts, so a letter that would
// print as a box is an error here rather than on a citizen's ticket.
func NewRenderer(l Layout) (*Renderer, error) {
	if l.PaperDots == 0 {
		l.PaperDots = Paper58mm
	}
	if l.PaperDots < 256 || l.PaperDots > 1024 || l.PaperDots%8 != 0 {
		return nil, fmt.Errorf("ticket.NewRenderer: PaperDots %d: %w", l.PaperDots, ErrPaperWidth)
	}
	if l.FontPath == "" {
		l.FontPath = DefaultFontPath
	}
	if l.BoldFontPath == "" {
		l.BoldFontPath = DefaultBoldFontPath
	}
	if l.Location == nil {
		l.Location = vietnam
	}
	switch l.Lang {
	case "", "vi", "en":
	default:
		return nil, fmt.Errorf("ticket.NewRenderer: label language %q: use \"vi\", \"en\" or leave it empty to follow each ticket", l.Lang)
	}
	l.CentreName = norm.NFC.String(l.CentreName)
	l.ServiceName = norm.NFC.String(l.ServiceName)
	l.Footer = norm.NFC.String(l.Footer)

	r := &Renderer{l: l}
	var err error
	if r.regular, err = loadFont(l.FontPath); err != nil {
		return nil, fmt.Errorf("ticket.NewRenderer: %w", err)
	}
	if r.bold, err = loadFont(l.BoldFontPath); err != nil {
		return nil, fmt.Errorf("ticket.NewRenderer: %w", err)
	}

	texts := []struct{ what, s string }{
		{"CentreName", l.CentreName}, {"ServiceName", l.ServiceName}, {"Footer", l.Footer},
	}
	for lang, lb := range labelsByLang {
		for _, s := range lb.all() {
			texts = append(texts, struct{ what, s string }{lang + " label", s})
		}
	}
	for _, f := range []struct {
		path string
		font *opentype.Font
	}{{l.FontPath, r.regular}, {l.BoldFontPath, r.bold}} {
		for _, t := range texts {
			if c, ok := missingGlyph(f.font, t.s); !ok {
				return nil, fmt.Errorf("ticket.NewRenderer: %s %q: %q (%U) in %s: %w", t.what, t.s, c, c, f.path, ErrNoGlyph)
			}
		}
	}

	if l.StatusURL != "" {
		if strings.Count(l.StatusURL, "%s") != 1 {
			return nil, fmt.Errorf("ticket.NewRenderer: StatusURL %q: %w", l.StatusURL, ErrStatusURL)
		}
		r.statusURL = l.StatusURL
		// Tokens are 10 letters today; leave room for longer ones.
		if _, err := newQR(r.link("0123456789abcdef"), l.PaperDots); err != nil {
			return nil, fmt.Errorf("ticket.NewRenderer: StatusURL %q: %w", l.StatusURL, err)
		}
	}
	return r, nil
}

// link is the status URL of a token.
func (r *Renderer) link(token string) string {
	return strings.Replace(r.statusURL, "%s", url.PathEscape(token), 1)
}

// Render lays out a ticket as an image exactly PaperDots wide and as tall
// as its contents. Every pixel is 0 (black: prints) or 255 (white): the
// printer driver prints pixels below 128. reprint marks a copy printed
// again for a ticket already issued.
func (r *Renderer) Render(t protocol.Ticket, reprint bool) (*image.Gray, error) {
	p, err := r.layout(t, reprint)
	if err != nil {
		return nil, fmt.Errorf("ticket.Render %s: %w", t.Number, err)
	}
	return p.render(), nil
}

// fonts caches parsed fonts by path: a kiosk holds one Renderer per service
// and language, and they share the fonts. Font methods are safe for
// concurrent use.
var fonts struct {
	sync.Mutex
	byPath map[string]*opentype.Font
}

func loadFont(path string) (*opentype.Font, error) {
	fonts.Lock()
	defer fonts.Unlock()
	if f, ok := fonts.byPath[path]; ok {
		return f, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("font file %s is missing; install it with \"apt-get install fonts-dejavu-core\" or set the font path: %w", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("read font: %w", err)
	}
	f, err := opentype.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("opentype.Parse %s: %w", path, err)
	}
	if fonts.byPath == nil {
		fonts.byPath = make(map[string]*opentype.Font)
	}
	fonts.byPath[path] = f
	return f, nil
}

// missingGlyph returns the first letter of s, other than spaces, the font
// has no glyph for, and false; or true when every letter has one.
func missingGlyph(f *opentype.Font, s string) (rune, bool) {
	var buf sfnt.Buffer
	for _, c := range s {
		if c == ' ' || c == '\n' {
			continue
		}
		i, err := f.GlyphIndex(&buf, c)
		if err != nil || i == 0 {
			return c, false
		}
	}
	return 0, true
}

// newFace returns a face of a size in dots. Faces are not safe for
// concurrent use: each Render makes its own.
func newFace(f *opentype.Font, px float64) (font.Face, error) {
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("opentype.NewFace: %w", err)
	}
	return face, nil
}

// longService stands for the service name in Largest when the layout has
// none: the kiosk learns its services' names from the controller.
const longService = "Đăng ký kinh doanh hộ kinh doanh và hợp tác xã"

// Largest renders the largest ordinary ticket of the layout: its texts, a
// long service name when it has none, a five-letter number, hundreds of
// people ahead, hours of wait and a long token. A kiosk checks with it
// that its printer's serial line can carry any ordinary ticket in time.
func Largest(l Layout) (*image.Gray, error) {
	if l.ServiceName == "" {
		l.ServiceName = longService
	}
	r, err := NewRenderer(l)
	if err != nil {
		return nil, fmt.Errorf("ticket.Largest: %w", err)
	}
	return r.Render(protocol.Ticket{Number: "B1023", Service: "B", Lang: l.Lang, Ahead: 999, WaitSeconds: 3*60*60 - 1,
		Issued: time.Date(2026, 12, 28, 23, 58, 0, 0, time.UTC), Token: "0123456789abcdef"}, false)
}
