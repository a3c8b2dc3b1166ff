package voice

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sothutu/sothutu/protocol"
)

// Errors of packs and composition.
var (
	// ErrMissingClip is returned by LoadPack when a required clip file is
	// not in the pack folder; the message names the file.
	ErrMissingClip = errors.New("missing clip")
	// ErrLanguage is returned by Compose for a language the pack has no
	// clips for.
	ErrLanguage = errors.New("no clips for language")
	// ErrUnspeakable is returned by Compose for a ticket or counter holding
	// a character the pack has no clip for.
	ErrUnspeakable = errors.New("no clip for character")
)

// ChimeClip is the file name, without ".wav", of the chime at the pack's root.
const ChimeClip = "chime"

// phrases are the clips said before the ticket and before the counter, by
// language. A language is announced only if the pack has its folder.
var phrases = map[string][2]string{
	"vi": {"xin_moi_cong_dan_co_so_thu_tu", "den_quay_so"}, // "Xin mời công dân có số thứ tự" … "đến quầy số"
	"en": {"ticket_number", "please_go_to_counter"},        // "Ticket number" … "please go to counter"
}

// DefaultLang is the language Compose uses for an empty lang.
const DefaultLang = "vi"

// Silences between the parts of an announcement.
const (
	gapAfterChime  = 400 * time.Millisecond
	gapPhrase      = 200 * time.Millisecond // between a phrase and what follows or precedes it
	gapCharacter   = 60 * time.Millisecond  // between the characters of a ticket
	gapTail        = 300 * time.Millisecond // so that a player's last buffer is not cut short
	maxNumberClips = 99
)

// Pack is a set of recorded or synthesised clips in one sample format,
// from which Compose builds announcements without any network.
type Pack struct {
	format Format
	chime  []byte
	clips  map[string][]byte // "vi/5", "en/ticket_number": raw samples
	langs  []string
}

// LoadPack reads a clip pack from dir; see the package documentation for
// its layout. Every clip must be 16-bit PCM in the same rate and channel
// count. The "vi" folder is required; other languages are loaded when their
// folder exists, and must then be complete.
func LoadPack(dir string) (*Pack, error) {
	p := &Pack{clips: map[string][]byte{}}
	var err error
	if p.chime, err = p.load(dir, ChimeClip, true); err != nil {
		return nil, err
	}
	for _, lang := range []string{"vi", "en"} {
		if lang != DefaultLang {
			if st, err := os.Stat(filepath.Join(dir, lang)); err != nil || !st.IsDir() {
				continue
			}
		}
		required := []string{phrases[lang][0], phrases[lang][1]}
		for c := '0'; c <= '9'; c++ {
			required = append(required, string(c))
		}
		for c := 'A'; c <= 'Z'; c++ {
			required = append(required, string(c))
		}
		for _, name := range required {
			if err := p.loadClip(dir, lang, name, true); err != nil {
				return nil, err
			}
		}
		for n := 10; n <= maxNumberClips; n++ {
			if err := p.loadClip(dir, lang, strconv.Itoa(n), false); err != nil {
				return nil, err
			}
		}
		p.langs = append(p.langs, lang)
	}
	return p, nil
}

func (p *Pack) loadClip(dir, lang, name string, required bool) error {
	data, err := p.load(dir, lang+"/"+name, required)
	if err != nil {
		return err
	}
	if data != nil {
		p.clips[lang+"/"+name] = data
	}
	return nil
}

// load reads dir/name.wav and checks its format against the pack's. It
// returns nil data and no error for a missing optional clip.
func (p *Pack) load(dir, name string, required bool) ([]byte, error) {
	path := filepath.Join(dir, filepath.FromSlash(name)+".wav")
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if !required {
			return nil, nil
		}
		return nil, fmt.Errorf("voice.LoadPack: %w %s.wav: add %s (see make-clips.sh)", ErrMissingClip, name, path)
	}
	if err != nil {
		return nil, fmt.Errorf("voice.LoadPack: %w", err)
	}
	f, data, err := parseWAV(b)
	if err != nil {
		return nil, fmt.Errorf("voice.LoadPack: %s: %w", path, err)
	}
	if p.format == (Format{}) {
		p.format = f
	} else if f != p.format {
		return nil, fmt.Errorf("voice.LoadPack: %s: %w: %v, the rest of the pack is %v; convert it with sox -r %d -c %d -b 16",
			path, ErrFormat, f, p.format, p.format.SampleRate, p.format.Channels)
	}
	return data, nil
}

// Format is the sample format of the pack and of every announcement it
// composes.
func (p *Pack) Format() Format { return p.format }

// Languages lists the languages the pack can announce in.
func (p *Pack) Languages() []string { return slices.Clone(p.langs) }

// Compose builds the announcement of a call in lang ("vi", "en"; "" is
// "vi") as one WAV file: chime, phrase, the ticket spelt character by
// character, phrase, counter number. A Repeat call is announced the same way.
func (p *Pack) Compose(call protocol.Call, lang string) ([]byte, error) {
	if lang == "" {
		lang = DefaultLang
	}
	if !slices.Contains(p.langs, lang) {
		return nil, fmt.Errorf("voice.Compose: %w %q; the pack has %s", ErrLanguage, lang, strings.Join(p.langs, ", "))
	}
	ticket, err := p.spell(lang, call.Ticket)
	if err != nil {
		return nil, fmt.Errorf("voice.Compose: ticket %q: %w", call.Ticket, err)
	}
	counter, err := p.counter(lang, call.Counter)
	if err != nil {
		return nil, fmt.Errorf("voice.Compose: counter %q: %w", call.Counter, err)
	}
	var parts [][]byte
	add := func(clip []byte, gap time.Duration) { parts = append(parts, clip, p.silence(gap)) }
	// spelt adds clips a character apart, and last after the final one.
	spelt := func(clips [][]byte, last time.Duration) {
		for i, c := range clips {
			gap := gapCharacter
			if i == len(clips)-1 {
				gap = last
			}
			add(c, gap)
		}
	}
	add(p.chime, gapAfterChime)
	add(p.clips[lang+"/"+phrases[lang][0]], gapPhrase)
	spelt(ticket, gapPhrase)
	add(p.clips[lang+"/"+phrases[lang][1]], gapPhrase)
	spelt(counter, gapTail)
	n := 0
	for _, b := range parts {
		n += len(b)
	}
	data := make([]byte, 0, n)
	for _, b := range parts {
		data = append(data, b...)
	}
	return encodeWAV(p.format, data), nil
}

// spell returns the clips of s read character by character: "A023" is
// "A", "không", "hai", "ba".
func (p *Pack) spell(lang, s string) ([][]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("%w: empty", ErrUnspeakable)
	}
	var out [][]byte
	for _, r := range strings.ToUpper(s) {
		clip, ok := p.clips[lang+"/"+string(r)]
		if !ok {
			return nil, fmt.Errorf("%w %q", ErrUnspeakable, r)
		}
		out = append(out, clip)
	}
	return out, nil
}

// counter returns the clips of a counter id: a number from 10 to 99 is read
// as a number ("mười hai") when the pack has its clip, other ids are spelt
// with dashes and underscores left out.
func (p *Pack) counter(lang, id string) ([][]byte, error) {
	if n, err := strconv.Atoi(id); err == nil && n >= 0 {
		if clip, ok := p.clips[lang+"/"+strconv.Itoa(n)]; ok {
			return [][]byte{clip}, nil
		}
		return p.spell(lang, strconv.Itoa(n))
	}
	return p.spell(lang, strings.NewReplacer("-", "", "_", "").Replace(id))
}

func (p *Pack) silence(d time.Duration) []byte {
	frames := int(d * time.Duration(p.format.SampleRate) / time.Second)
	return make([]byte, frames*p.format.frameSize())
}
