package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/sothutu/sothutu/protocol"
)

// FiguresRecord is a figures record kept until the city acknowledges it.
type FiguresRecord struct {
	Seq     int64
	Payload []byte // the encoded protocol.Figures, sent as is
	Acked   time.Time
}

const figuresSchema = `
CREATE TABLE IF NOT EXISTS figures (
	seq INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	span_from INTEGER NOT NULL,
	span_to INTEGER NOT NULL,
	payload BLOB NOT NULL,
	made INTEGER NOT NULL,
	acked INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS figures_unacked ON figures (acked, seq);
CREATE INDEX IF NOT EXISTS figures_span ON figures (kind, span_to);
`

// AddFigures numbers f with the next record number, encodes it and commits
// it, before anything is sent: a record made is never lost.
func (s *Store) AddFigures(ctx context.Context, f protocol.Figures, made time.Time) (protocol.Figures, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return f, fmt.Errorf("store.AddFigures: %w", err)
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) + 1 FROM figures`).Scan(&f.Seq); err != nil {
		return f, fmt.Errorf("store.AddFigures: %w", err)
	}
	payload, err := protocol.Encode(f)
	if err != nil {
		return f, fmt.Errorf("store.AddFigures: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO figures VALUES (?,?,?,?,?,?,0)`,
		f.Seq, f.Kind, nanos(f.From), nanos(f.To), payload, nanos(made)); err != nil {
		return f, fmt.Errorf("store.AddFigures: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return f, fmt.Errorf("store.AddFigures: %w", err)
	}
	return f, nil
}

// LastFiguresSpan returns the end of the latest record of kind, or zero.
func (s *Store) LastFiguresSpan(ctx context.Context, kind string) (time.Time, error) {
	var to sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT max(span_to) FROM figures WHERE kind = ?`, kind).Scan(&to)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, fmt.Errorf("store.LastFiguresSpan: %w", err)
	}
	if !to.Valid {
		return time.Time{}, nil
	}
	return fromNanos(to.Int64), nil
}

// PendingFigures returns up to limit records not acknowledged yet, oldest first.
func (s *Store) PendingFigures(ctx context.Context, limit int) ([]FiguresRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT seq, payload FROM figures WHERE acked = 0 ORDER BY seq LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("store.PendingFigures: %w", err)
	}
	defer rows.Close()
	var out []FiguresRecord
	for rows.Next() {
		var r FiguresRecord
		if err := rows.Scan(&r.Seq, &r.Payload); err != nil {
			return nil, fmt.Errorf("store.PendingFigures: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// CountPendingFigures is the backlog: records not acknowledged yet.
func (s *Store) CountPendingFigures(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM figures WHERE acked = 0`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store.CountPendingFigures: %w", err)
	}
	return n, nil
}

// AckFigures records that the city has the records seqs.
func (s *Store) AckFigures(ctx context.Context, seqs []int64, at time.Time) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store.AckFigures: %w", err)
	}
	defer tx.Rollback()
	for _, seq := range seqs {
		if _, err := tx.ExecContext(ctx, `UPDATE figures SET acked = ? WHERE seq = ? AND acked = 0`, nanos(at), seq); err != nil {
			return fmt.Errorf("store.AckFigures: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store.AckFigures: %w", err)
	}
	return nil
}
