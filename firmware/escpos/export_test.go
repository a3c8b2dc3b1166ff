package escpos

import (
	"image"
	"time"
)

// EncodeJob exposes encodeJob to the tests.
func EncodeJob(img *image.Gray, bandRows int) (data []byte, ends []int, guarded int) {
	return encodeJob(img, bandRows)
}

// ParseStatus exposes parseStatus to the tests.
func ParseStatus(b [4]byte) (Status, bool) {
	for _, c := range b {
		if !validReply(c) {
			return Status{}, false
		}
	}
	return parseStatus(b), true
}

// SetWaiting sets f to be called when a call of d waits for another's job
// or query to finish.
func SetWaiting(d *Dev, f func()) { d.waiting = f }

// JobLimit is the time d gives the job of img to be confirmed.
func JobLimit(d *Dev, img *image.Gray) time.Duration {
	data, _, _ := encodeJob(img, d.opts.BandRows)
	send, print := d.opts.JobTime(len(data)+confirmLen, img.Rect.Dy())
	return send + print + d.opts.Timeout
}
