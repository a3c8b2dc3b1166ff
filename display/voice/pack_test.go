package voice

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sothutu/sothutu/protocol"
)

var testFormat = Format{SampleRate: 8000, Channels: 1, Bits: 16}

// clipNames lists every clip of a full synthetic pack, chime first.
func clipNames(langs []string, numbers bool) []string {
	names := []string{ChimeClip}
	for _, lang := range langs {
		names = append(names, lang+"/"+phrases[lang][0], lang+"/"+phrases[lang][1])
		for c := '0'; c <= '9'; c++ {
			names = append(names, lang+"/"+string(c))
		}
		for c := 'A'; c <= 'Z'; c++ {
			names = append(names, lang+"/"+string(c))
		}
		if numbers {
			for n := 10; n <= 99; n++ {
				names = append(names, lang+"/"+strconv.Itoa(n))
			}
		}
	}
	return names
}

// writeTestPack writes a synthetic pack in which clip i is 20 frames of the
// constant sample value i+1, so that a composed announcement can be read
// back as the list of clips it holds.
func writeTestPack(t *testing.T, langs []string, numbers bool) (dir string, names []string) {
	t.Helper()
	dir = t.TempDir()
	names = clipNames(langs, numbers)
	for i, name := range names {
		data := make([]byte, 20*2)
		for j := 0; j < 20; j++ {
			binary.LittleEndian.PutUint16(data[2*j:], uint16(i+1))
		}
		writeClip(t, dir, name, encodeWAV(testFormat, data))
	}
	return dir, names
}

func writeClip(t *testing.T, dir, name string, wav []byte) {
	t.Helper()
	path := filepath.Join(dir, filepath.FromSlash(name)+".wav")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, wav, 0o644); err != nil {
		t.Fatal(err)
	}
}

// readBack decodes a composed announcement into clip names and "_" for
// each silence.
func readBack(t *testing.T, wav []byte, names []string) []string {
	t.Helper()
	f, data, err := parseWAV(wav)
	if err != nil {
		t.Fatalf("parseWAV(composed): %v", err)
	}
	if f != testFormat {
		t.Fatalf("format %v, want %v", f, testFormat)
	}
	var out []string
	prev := -1
	for i := 0; i+1 < len(data); i += 2 {
		v := int(binary.LittleEndian.Uint16(data[i:]))
		if v != prev {
			if v == 0 {
				out = append(out, "_")
			} else {
				out = append(out, names[v-1])
			}
			prev = v
		}
	}
	return out
}

func TestCompose(t *testing.T) {
	dir, names := writeTestPack(t, []string{"vi", "en"}, true)
	p, err := LoadPack(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Languages(); !slices.Equal(got, []string{"vi", "en"}) {
		t.Errorf("Languages() = %v", got)
	}
	tests := []struct {
		call protocol.Call
		lang string
		want string
	}{
		{protocol.Call{Ticket: "A023", Counter: "5"}, "vi",
			"chime _ vi/xin_moi_cong_dan_co_so_thu_tu _ vi/A _ vi/0 _ vi/2 _ vi/3 _ vi/den_quay_so _ vi/5 _"},
		{protocol.Call{Ticket: "A023", Counter: "5", Repeat: 2}, "",
			"chime _ vi/xin_moi_cong_dan_co_so_thu_tu _ vi/A _ vi/0 _ vi/2 _ vi/3 _ vi/den_quay_so _ vi/5 _"},
		{protocol.Call{Ticket: "b7", Counter: "12"}, "en",
			"chime _ en/ticket_number _ en/B _ en/7 _ en/please_go_to_counter _ en/12 _"},
		{protocol.Call{Ticket: "1023", Counter: "05"}, "vi",
			"chime _ vi/xin_moi_cong_dan_co_so_thu_tu _ vi/1 _ vi/0 _ vi/2 _ vi/3 _ vi/den_quay_so _ vi/5 _"},
		{protocol.Call{Ticket: "C1", Counter: "q-2"}, "vi",
			"chime _ vi/xin_moi_cong_dan_co_so_thu_tu _ vi/C _ vi/1 _ vi/den_quay_so _ vi/Q _ vi/2 _"},
		{protocol.Call{Ticket: "C1", Counter: "123"}, "vi",
			"chime _ vi/xin_moi_cong_dan_co_so_thu_tu _ vi/C _ vi/1 _ vi/den_quay_so _ vi/1 _ vi/2 _ vi/3 _"},
	}
	for _, tt := range tests {
		t.Run(tt.call.Ticket+"/"+tt.call.Counter+"/"+tt.lang, func(t *testing.T) {
			wav, err := p.Compose(tt.call, tt.lang)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(readBack(t, wav, names), " "); got != tt.want {
				t.Errorf("Compose(%+v, %q)\n got %s\nwant %s", tt.call, tt.lang, got, tt.want)
			}
		})
	}
}

func TestComposeSilences(t *testing.T) {
	dir, _ := writeTestPack(t, []string{"vi"}, false)
	p, err := LoadPack(dir)
	if err != nil {
		t.Fatal(err)
	}
	wav, err := p.Compose(protocol.Call{Ticket: "A1", Counter: "2"}, "vi")
	if err != nil {
		t.Fatal(err)
	}
	_, data, _ := parseWAV(wav)
	// 6 clips of 20 frames, and the pauses between them.
	frames := 6*20 + (gapAfterChime+gapPhrase+gapCharacter+gapPhrase+gapPhrase+gapTail).Milliseconds()*8
	if got := int64(len(data) / 2); got != frames {
		t.Errorf("announcement has %d frames, want %d", got, frames)
	}
}

func TestComposeErrors(t *testing.T) {
	dir, _ := writeTestPack(t, []string{"vi"}, false)
	p, err := LoadPack(dir)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		call protocol.Call
		lang string
		want error
	}{
		{protocol.Call{Ticket: "A1", Counter: "2"}, "en", ErrLanguage},
		{protocol.Call{Ticket: "A1", Counter: "2"}, "km", ErrLanguage},
		{protocol.Call{Ticket: "A.1", Counter: "2"}, "vi", ErrUnspeakable},
		{protocol.Call{Ticket: "", Counter: "2"}, "vi", ErrUnspeakable},
		{protocol.Call{Ticket: "A1", Counter: ""}, "vi", ErrUnspeakable},
		{protocol.Call{Ticket: "Ă1", Counter: "2"}, "vi", ErrUnspeakable},
	}
	for _, tt := range tests {
		if _, err := p.Compose(tt.call, tt.lang); !errors.Is(err, tt.want) {
			t.Errorf("Compose(%+v, %q) = %v, want %v", tt.call, tt.lang, err, tt.want)
		}
	}
}

func TestLoadPackErrors(t *testing.T) {
	t.Run("missing clip", func(t *testing.T) {
		dir, _ := writeTestPack(t, []string{"vi"}, false)
		os.Remove(filepath.Join(dir, "vi", "7.wav"))
		_, err := LoadPack(dir)
		if !errors.Is(err, ErrMissingClip) || !strings.Contains(err.Error(), "vi/7.wav") {
			t.Errorf("LoadPack = %v, want %v naming vi/7.wav", err, ErrMissingClip)
		}
	})
	t.Run("missing chime", func(t *testing.T) {
		dir, _ := writeTestPack(t, []string{"vi"}, false)
		os.Remove(filepath.Join(dir, "chime.wav"))
		if _, err := LoadPack(dir); !errors.Is(err, ErrMissingClip) || !strings.Contains(err.Error(), "chime.wav") {
			t.Errorf("LoadPack = %v, want %v naming chime.wav", err, ErrMissingClip)
		}
	})
	t.Run("incomplete optional language", func(t *testing.T) {
		dir, _ := writeTestPack(t, []string{"vi", "en"}, false)
		os.Remove(filepath.Join(dir, "en", "please_go_to_counter.wav"))
		if _, err := LoadPack(dir); !errors.Is(err, ErrMissingClip) || !strings.Contains(err.Error(), "en/please_go_to_counter.wav") {
			t.Errorf("LoadPack = %v, want %v naming en/please_go_to_counter.wav", err, ErrMissingClip)
		}
	})
	t.Run("other rate", func(t *testing.T) {
		dir, _ := writeTestPack(t, []string{"vi"}, false)
		writeClip(t, dir, "vi/den_quay_so", encodeWAV(Format{SampleRate: 22050, Channels: 1, Bits: 16}, make([]byte, 4)))
		_, err := LoadPack(dir)
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "den_quay_so.wav") {
			t.Errorf("LoadPack = %v, want %v naming den_quay_so.wav", err, ErrFormat)
		}
	})
	t.Run("not wav", func(t *testing.T) {
		dir, _ := writeTestPack(t, []string{"vi"}, false)
		writeClip(t, dir, "vi/A", []byte("ID3 this is an mp3"))
		if _, err := LoadPack(dir); !errors.Is(err, ErrNotWAV) {
			t.Errorf("LoadPack = %v, want %v", err, ErrNotWAV)
		}
	})
}

// wavBytes builds a WAV file from chunks; each chunk is an id and a body.
func wavBytes(chunks ...string) []byte {
	var b []byte
	for i := 0; i < len(chunks); i += 2 {
		b = append(b, chunks[i]...)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(chunks[i+1])))
		b = append(b, chunks[i+1]...)
		if len(chunks[i+1])%2 == 1 {
			b = append(b, 0)
		}
	}
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(b)+4))...)
	return append(append(out, "WAVE"...), b...)
}

func fmtChunk(tag, channels uint16, rate uint32, bits uint16, ext string) string {
	le := binary.LittleEndian
	b := le.AppendUint16(nil, tag)
	b = le.AppendUint16(b, channels)
	b = le.AppendUint32(b, rate)
	b = le.AppendUint32(b, rate*uint32(channels*bits/8))
	b = le.AppendUint16(b, channels*bits/8)
	b = le.AppendUint16(b, bits)
	return string(b) + ext
}

func TestParseWAV(t *testing.T) {
	mono := Format{SampleRate: 22050, Channels: 1, Bits: 16}
	// WAVE_FORMAT_EXTENSIBLE tail: cbSize 22, valid bits 16, channel mask 4,
	// sub-format GUID starting with the PCM tag 1 (or 3, IEEE float).
	extPCM := "\x16\x00\x10\x00\x04\x00\x00\x00\x01\x00\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
	extFloat := "\x16\x00\x10\x00\x04\x00\x00\x00\x03\x00\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
	tests := []struct {
		name    string
		in      []byte
		format  Format
		samples int // bytes
		err     error
	}{
		{"canonical", encodeWAV(mono, make([]byte, 10)), mono, 10, nil},
		{"LIST chunk with odd size before data", wavBytes("fmt ", fmtChunk(1, 1, 22050, 16, ""), "LIST", "abc", "data", "\x01\x00\x02\x00"), mono, 4, nil},
		{"extensible PCM", wavBytes("fmt ", fmtChunk(0xFFFE, 1, 22050, 16, extPCM), "data", "\x01\x00"), mono, 2, nil},
		{"stereo", wavBytes("fmt ", fmtChunk(1, 2, 44100, 16, ""), "data", "\x01\x00\x02\x00\x03\x00"), Format{44100, 2, 16}, 4, nil},
		{"streamed size", append(encodeWAV(mono, nil)[:40], "\xff\xff\xff\xff\x01\x00\x02\x00"...), mono, 4, nil},
		{"extensible float", wavBytes("fmt ", fmtChunk(0xFFFE, 1, 22050, 32, extFloat), "data", "\x00\x00\x00\x00"), Format{}, 0, ErrFormat},
		{"8-bit", wavBytes("fmt ", fmtChunk(1, 1, 8000, 8, ""), "data", "\x80"), Format{}, 0, ErrFormat},
		{"a-law", wavBytes("fmt ", fmtChunk(6, 1, 8000, 8, ""), "data", "\x80"), Format{}, 0, ErrFormat},
		{"truncated", encodeWAV(mono, make([]byte, 10))[:50], Format{}, 0, ErrNotWAV},
		{"no data", wavBytes("fmt ", fmtChunk(1, 1, 22050, 16, "")), Format{}, 0, ErrNotWAV},
		{"data first", wavBytes("data", "\x00\x00", "fmt ", fmtChunk(1, 1, 22050, 16, "")), Format{}, 0, ErrNotWAV},
		{"not riff", []byte("OggS...."), Format{}, 0, ErrNotWAV},
		{"empty", nil, Format{}, 0, ErrNotWAV},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, data, err := parseWAV(tt.in)
			if !errors.Is(err, tt.err) {
				t.Fatalf("parseWAV: %v, want %v", err, tt.err)
			}
			if f != tt.format || len(data) != tt.samples {
				t.Errorf("parseWAV = %v, %d bytes; want %v, %d bytes", f, len(data), tt.format, tt.samples)
			}
		})
	}
}

func FuzzParseWAV(f *testing.F) {
	f.Add(encodeWAV(testFormat, make([]byte, 8)))
	f.Add(wavBytes("fmt ", fmtChunk(1, 1, 22050, 16, ""), "LIST", "abc", "data", "\x01\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		format, data, err := parseWAV(b)
		if err == nil && len(data)%format.frameSize() != 0 {
			t.Fatalf("%d bytes is not whole frames of %v", len(data), format)
		}
	})
}
