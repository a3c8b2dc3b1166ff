package modbus7seg_test

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/sothutu/sothutu/display/modbus7seg"
)

// module is a test double of a Modbus RTU LED display: it reads requests
// off the line, keeps holding registers, and answers as a real module
// does: an echo to function 06, slave/function/address/quantity to 16, an
// exception when told to, and nothing to requests for another slave or
// with a bad CRC.
type module struct {
	id byte

	mu        sync.Mutex
	regs      map[uint16]uint16
	requests  [][]byte
	exception byte // answer every request with this exception code
	silent    bool // answer nothing
	badCRC    bool // answer with the CRC's bytes swapped
	localEcho bool // send the request back first, as an echoing adapter
}

func newModule(id byte) *module { return &module{id: id, regs: map[uint16]uint16{}} }

// serve answers requests on line until it is closed.
func (m *module) serve(line io.ReadWriter) error {
	r := bufio.NewReader(line)
	for {
		req, err := readRequest(r)
		if errors.Is(err, os.ErrClosed) || errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if ans := m.handle(req); ans != nil {
			if _, err := line.Write(ans); err != nil {
				return err
			}
		}
	}
}

// readRequest reads one function 06 or 16 request.
func readRequest(r *bufio.Reader) ([]byte, error) {
	head := make([]byte, 2)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, err
	}
	var rest int
	switch head[1] {
	case 0x06:
		rest = 6 // register, value, CRC
	case 0x10:
		more := make([]byte, 5) // register, quantity, byte count
		if _, err := io.ReadFull(r, more); err != nil {
			return nil, err
		}
		head = append(head, more...)
		rest = int(more[4]) + 2
	default:
		return nil, fmt.Errorf("module: function %#02x not expected", head[1])
	}
	tail := make([]byte, rest)
	if _, err := io.ReadFull(r, tail); err != nil {
		return nil, err
	}
	return append(head, tail...), nil
}

func (m *module) handle(req []byte) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests = append(m.requests, req)
	n := len(req)
	if req[0] != m.id || modbus7seg.CRC16(req[:n-2]) != binary.LittleEndian.Uint16(req[n-2:]) || m.silent {
		return nil
	}
	var ans []byte
	if m.localEcho {
		ans = append(ans, req...)
	}
	reg := binary.BigEndian.Uint16(req[2:])
	var body []byte
	switch {
	case m.exception != 0:
		body = []byte{req[0], req[1] | 0x80, m.exception}
	case req[1] == 0x06:
		m.regs[reg] = binary.BigEndian.Uint16(req[4:])
		body = req[:6]
	default:
		for i := range int(binary.BigEndian.Uint16(req[4:])) {
			m.regs[reg+uint16(i)] = binary.BigEndian.Uint16(req[7+2*i:])
		}
		body = req[:6]
	}
	crc := binary.LittleEndian.AppendUint16(nil, modbus7seg.CRC16(body))
	if m.badCRC {
		crc[0], crc[1] = crc[1], crc[0]
	}
	return append(append(ans, body...), crc...)
}

// shown is what the module displays: the number in reg 0 after a
// function 06, the characters in regs 0 to digits-1 after a 16.
func (m *module) shown(reg uint16, digits int) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.requests) == 0 {
		return "<nothing>"
	}
	if last := m.requests[len(m.requests)-1]; last[1] == 0x06 {
		return fmt.Sprint(m.regs[reg])
	}
	b := make([]byte, digits)
	for i := range b {
		b[i] = byte(m.regs[reg+uint16(i)])
	}
	return string(b)
}

func (m *module) set(f func(*module)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f(m)
}
