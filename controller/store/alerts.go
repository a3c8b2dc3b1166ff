package store

import (
	"context"
	"fmt"
	"time"

	"github.com/sothutu/sothutu/protocol"
)

// AlertRecord is an alert as the store keeps it: open while Closed is zero.
type AlertRecord struct {
	protocol.Alert
	Closed time.Time
}

// OpenAlert records a new alert and returns it with its id.
func (s *Store) OpenAlert(ctx context.Context, a protocol.Alert) (protocol.Alert, error) {
	r, err := s.db.ExecContext(ctx, `INSERT INTO alerts (kind, subject, opened, closed, detail) VALUES (?,?,?,0,?)`,
		string(a.Kind), a.Subject, nanos(a.Since), a.Detail)
	if err != nil {
		return a, fmt.Errorf("store.OpenAlert: %w", err)
	}
	if a.ID, err = r.LastInsertId(); err != nil {
		return a, fmt.Errorf("store.OpenAlert: %w", err)
	}
	return a, nil
}

// CloseAlert records that alert id ended at t.
func (s *Store) CloseAlert(ctx context.Context, id int64, t time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE alerts SET closed = ? WHERE id = ? AND closed = 0`, nanos(t), id); err != nil {
		return fmt.Errorf("store.CloseAlert: %w", err)
	}
	return nil
}

// Alerts returns the alerts open at or after since, newest first, at most limit.
func (s *Store) Alerts(ctx context.Context, since time.Time, limit int) ([]AlertRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, subject, opened, closed, detail FROM alerts
		WHERE closed = 0 OR closed >= ? ORDER BY opened DESC, id DESC LIMIT ?`, nanos(since), limit)
	if err != nil {
		return nil, fmt.Errorf("store.Alerts: %w", err)
	}
	defer rows.Close()
	var out []AlertRecord
	for rows.Next() {
		var r AlertRecord
		var kind string
		var opened, closed int64
		if err := rows.Scan(&r.ID, &kind, &r.Subject, &opened, &closed, &r.Detail); err != nil {
			return nil, fmt.Errorf("store.Alerts: %w", err)
		}
		r.Kind, r.Since = protocol.AlertKind(kind), fromNanos(opened)
		if closed != 0 {
			r.Closed = fromNanos(closed)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
