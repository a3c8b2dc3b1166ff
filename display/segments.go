package display

// Segments is a row of segment characters: what the MAX7219 and HT16K33
// drivers share, told apart only by their font (Encode), their bus
// (Write) and how the chip powers down. S is one place's segment bits.
type Segments[S uint8 | uint16] struct {
	Gate
	// Places is how many characters are wired.
	Places int
	// Encode lays text out right-aligned on Places places, leftmost first.
	Encode func(text string, places int) ([]S, error)
	// Write writes every place, leftmost first.
	Write func(segments []S) error
}

// Show writes text, unless Encode refuses it or Close ran.
func (s *Segments[S]) Show(text string) error {
	segments, err := s.Encode(text, s.Places)
	if err != nil {
		return err
	}
	return s.Gate.Show(func() error { return s.Write(segments) })
}

// Blank writes every place dark.
func (s *Segments[S]) Blank() error { return s.Write(make([]S, s.Places)) }

// Close blanks the places, then runs powerDown, once.
func (s *Segments[S]) Close(powerDown func() error) error {
	return s.Gate.Close(func() error {
		if err := s.Blank(); err != nil {
			return err
		}
		return powerDown()
	})
}
