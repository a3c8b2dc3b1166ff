package voice

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Format is the sample format of a clip. A pack holds one format only, so
// that clips can be joined sample for sample without resampling.
type Format struct {
	SampleRate int
	Channels   int
	// Bits per sample; always 16 for now.
	Bits int
}

func (f Format) String() string {
	return fmt.Sprintf("%d Hz, %d channel(s), %d-bit PCM", f.SampleRate, f.Channels, f.Bits)
}

// frameSize is the size of one sample for all channels, in bytes.
func (f Format) frameSize() int { return f.Channels * f.Bits / 8 }

// Errors of WAV parsing.
var (
	// ErrNotWAV is returned for data that is not a RIFF/WAVE file.
	ErrNotWAV = errors.New("not a RIFF/WAVE file")
	// ErrFormat is returned for a WAV file that is not 16-bit integer PCM,
	// or whose format differs from the rest of its pack.
	ErrFormat = errors.New("unsupported WAV format")
)

const (
	wavePCM        = 1
	waveExtensible = 0xFFFE
)

// parseWAV returns the format and the raw sample bytes of a 16-bit PCM WAV
// file. It walks the RIFF chunks itself, skipping LIST and other chunks.
func parseWAV(b []byte) (Format, []byte, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return Format{}, nil, ErrNotWAV
	}
	var (
		f       Format
		haveFmt bool
	)
	le := binary.LittleEndian
	for p := 12; p+8 <= len(b); {
		id := string(b[p : p+4])
		size := int(le.Uint32(b[p+4 : p+8]))
		body := b[p+8:]
		switch id {
		case "fmt ":
			if size < 16 || len(body) < 16 {
				return Format{}, nil, fmt.Errorf("%w: short fmt chunk", ErrNotWAV)
			}
			tag := le.Uint16(body[0:2])
			if tag == waveExtensible && size >= 40 && len(body) >= 40 {
				tag = le.Uint16(body[24:26]) // first two bytes of the sub-format GUID
			}
			if tag != wavePCM {
				return Format{}, nil, fmt.Errorf("%w: format tag %#x, want integer PCM (1)", ErrFormat, tag)
			}
			f = Format{
				Channels:   int(le.Uint16(body[2:4])),
				SampleRate: int(le.Uint32(body[4:8])),
				Bits:       int(le.Uint16(body[14:16])),
			}
			if f.Bits != 16 {
				return Format{}, nil, fmt.Errorf("%w: %d bits per sample, want 16", ErrFormat, f.Bits)
			}
			if f.Channels < 1 || f.Channels > 8 || f.SampleRate < 1000 || f.SampleRate > 384000 {
				return Format{}, nil, fmt.Errorf("%w: %v", ErrFormat, f)
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return Format{}, nil, fmt.Errorf("%w: data chunk before fmt chunk", ErrNotWAV)
			}
			if size > len(body) {
				// Writers that stream to a pipe leave a placeholder size;
				// anything else is a truncated file.
				if size < 0x7FFFFFFF {
					return Format{}, nil, fmt.Errorf("%w: data chunk holds %d bytes, header says %d (truncated file?)", ErrNotWAV, len(body), size)
				}
				size = len(body)
			}
			data := body[:size]
			data = data[:len(data)-len(data)%f.frameSize()]
			return f, data, nil
		}
		p += 8 + size + size&1 // chunks are padded to an even size
	}
	return Format{}, nil, fmt.Errorf("%w: no data chunk", ErrNotWAV)
}

// encodeWAV writes samples as a canonical 44-byte-header PCM WAV file.
func encodeWAV(f Format, data []byte) []byte {
	le := binary.LittleEndian
	out := make([]byte, 44, 44+len(data))
	copy(out[0:4], "RIFF")
	le.PutUint32(out[4:8], uint32(36+len(data)))
	copy(out[8:12], "WAVE")
	copy(out[12:16], "fmt ")
	le.PutUint32(out[16:20], 16)
	le.PutUint16(out[20:22], wavePCM)
	le.PutUint16(out[22:24], uint16(f.Channels))
	le.PutUint32(out[24:28], uint32(f.SampleRate))
	le.PutUint32(out[28:32], uint32(f.SampleRate*f.frameSize()))
	le.PutUint16(out[32:34], uint16(f.frameSize()))
	le.PutUint16(out[34:36], uint16(f.Bits))
	copy(out[36:40], "data")
	le.PutUint32(out[40:44], uint32(len(data)))
	return append(out, data...)
}
