package kiosk

// Journalled is the number of tickets the journal holds on their way.
func (k *Kiosk) Journalled() int { return len(k.journal.entries()) }
