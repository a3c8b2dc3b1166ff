package link

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sothutu/sothutu/protocol"
)

// Files in Options.StateDir:
//
//	presence.seq                 the last connection sequence, in decimal
//	outbox/<n>-<hexkey>.req      one pending request each: the exact payload
//	                             published, n (16 hex digits) keeps their order
//	outbox/<name>.bad            a request that could not be read, set aside
//
// Every file is written to a temporary file, fsynced, renamed into place and
// its directory fsynced, so a power cut leaves either the old or the new
// version, never half of one.
const (
	seqFile   = "presence.seq"
	outboxDir = "outbox"
	reqSuffix = ".req"
	badSuffix = ".bad"
	tmpPrefix = ".tmp-"
)

// outbox is the durable store of pending requests.
type outbox struct {
	dir string
}

// stored is a pending request read back from the outbox.
type stored struct {
	n       uint64
	file    string
	req     protocol.Request
	payload []byte
}

// openOutbox creates the outbox folder if needed and reads the requests it
// holds, oldest first. Leftover temporary files are removed; a file that does
// not decode is renamed to .bad and reported through bad, not as an error, so
// that one damaged file does not keep a kiosk from starting.
func openOutbox(stateDir string, bad func(file string, err error)) (*outbox, []stored, error) {
	dir := filepath.Join(stateDir, outboxDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("os.MkdirAll: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("os.ReadDir: %w", err)
	}
	var out []stored
	for _, e := range entries { // ReadDir sorts by name, so by n
		name := e.Name()
		if strings.HasPrefix(name, tmpPrefix) {
			_ = os.Remove(filepath.Join(dir, name))
			continue
		}
		if !strings.HasSuffix(name, reqSuffix) || !e.Type().IsRegular() {
			continue
		}
		s, err := readStored(dir, name)
		if err != nil {
			bad(name, err)
			if rerr := os.Rename(filepath.Join(dir, name), filepath.Join(dir, name+badSuffix)); rerr != nil {
				return nil, nil, fmt.Errorf("os.Rename: %w", rerr)
			}
			continue
		}
		out = append(out, s)
	}
	return &outbox{dir: dir}, out, nil
}

func readStored(dir, name string) (stored, error) {
	nHex, keyHex, ok := strings.Cut(strings.TrimSuffix(name, reqSuffix), "-")
	if !ok {
		return stored{}, errors.New("name is not <n>-<hexkey>.req")
	}
	n, err := strconv.ParseUint(nHex, 16, 64)
	if err != nil {
		return stored{}, fmt.Errorf("strconv.ParseUint: %w", err)
	}
	key, err := hex.DecodeString(keyHex)
	if err != nil {
		return stored{}, fmt.Errorf("hex.DecodeString: %w", err)
	}
	payload, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return stored{}, fmt.Errorf("os.ReadFile: %w", err)
	}
	req, err := protocol.Decode[protocol.Request](payload)
	if err != nil {
		return stored{}, fmt.Errorf("protocol.Decode: %w", err)
	}
	if req.Key != string(key) {
		return stored{}, fmt.Errorf("key %q does not match the file name", req.Key)
	}
	return stored{n: n, file: name, req: req, payload: payload}, nil
}

// put stores the payload of the request with key as number n and returns the
// file's name.
func (o *outbox) put(n uint64, key string, payload []byte) (string, error) {
	name := fmt.Sprintf("%016x-%s%s", n, hex.EncodeToString([]byte(key)), reqSuffix)
	if err := writeFileSync(o.dir, name, payload); err != nil {
		return "", err
	}
	return name, nil
}

// remove deletes a stored request once its reply has arrived.
func (o *outbox) remove(name string) error {
	if err := os.Remove(filepath.Join(o.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("os.Remove: %w", err)
	}
	return syncDir(o.dir)
}

// readSeq reads the last connection sequence; a missing file is 0.
func readSeq(stateDir string) (uint64, error) {
	b, err := os.ReadFile(filepath.Join(stateDir, seqFile))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("os.ReadFile: %w", err)
	}
	seq, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("strconv.ParseUint: %w", err)
	}
	return seq, nil
}

// writeSeq durably stores the connection sequence.
func writeSeq(stateDir string, seq uint64) error {
	return writeFileSync(stateDir, seqFile, []byte(strconv.FormatUint(seq, 10)+"\n"))
}

// writeFileSync replaces dir/name with data durably: temporary file, fsync,
// rename, fsync of the directory.
func writeFileSync(dir, name string, data []byte) error {
	f, err := os.CreateTemp(dir, tmpPrefix+name+"-*")
	if err != nil {
		return fmt.Errorf("os.CreateTemp: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
		if err != nil {
			err = fmt.Errorf("fsync: %w", err)
		}
	} else {
		err = fmt.Errorf("write: %w", err)
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close: %w", cerr)
	}
	if err == nil {
		if rerr := os.Rename(tmp, filepath.Join(dir, name)); rerr != nil {
			err = fmt.Errorf("os.Rename: %w", rerr)
		}
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename or removal in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("os.Open: %w", err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("fsync of %s: %w", dir, err)
	}
	return nil
}
