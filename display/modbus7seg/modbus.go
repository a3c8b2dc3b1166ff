package modbus7seg

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Function codes.
const (
	fnWriteSingle   = 0x06
	fnWriteMultiple = 0x10
)

// Errors callers may branch on.
var (
	// ErrNoAnswer: the display sent no (complete) answer within the
	// timeout. Check power, wiring (A/B swapped?), baud rate and SlaveID.
	ErrNoAnswer = errors.New("display did not answer")
	// ErrBadAnswer: the answer was garbled (bad CRC) or did not match the
	// request, as when two devices share an address.
	ErrBadAnswer = errors.New("bad answer from display")
)

// Exception is a Modbus exception answer.
type Exception struct {
	Function byte // the request's function code
	Code     byte
}

var exceptionNames = map[byte]string{
	1: "illegal function",
	2: "illegal data address",
	3: "illegal data value",
	4: "slave device failure",
	5: "acknowledge",
	6: "slave device busy",
}

func (e *Exception) Error() string {
	name := exceptionNames[e.Code]
	if name == "" {
		name = "unknown exception"
	}
	return fmt.Sprintf("modbus exception %#02x (%s) to function %#02x", e.Code, name, e.Function)
}

// CRC16 is the Modbus CRC (polynomial 0xA001 reflected, initial 0xFFFF).
// It goes on the wire low byte first.
func CRC16(b []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, c := range b {
		crc ^= uint16(c)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0xA001
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

// appendCRC appends b's CRC, low byte first.
func appendCRC(b []byte) []byte {
	return binary.LittleEndian.AppendUint16(b, CRC16(b))
}

// writeSingle is a function 06 request.
func writeSingle(slave byte, reg, v uint16) []byte {
	b := []byte{slave, fnWriteSingle}
	b = binary.BigEndian.AppendUint16(b, reg)
	b = binary.BigEndian.AppendUint16(b, v)
	return appendCRC(b)
}

// writeMultiple is a function 16 request.
func writeMultiple(slave byte, reg uint16, vs []uint16) []byte {
	b := []byte{slave, fnWriteMultiple}
	b = binary.BigEndian.AppendUint16(b, reg)
	b = binary.BigEndian.AppendUint16(b, uint16(len(vs)))
	b = append(b, byte(2*len(vs)))
	for _, v := range vs {
		b = binary.BigEndian.AppendUint16(b, v)
	}
	return appendCRC(b)
}

// wantAnswer is the answer a request gets when all goes well: an echo for
// function 06; slave, function, address and quantity for function 16.
func wantAnswer(req []byte) []byte {
	if req[1] == fnWriteSingle {
		return req
	}
	return appendCRC(append([]byte(nil), req[:6]...))
}
