package city

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/sothutu/sothutu/internal/lockfile"
	"github.com/sothutu/sothutu/protocol"
)

// ErrRecord is wrapped by Put's error for a record that is not valid.
var ErrRecord = errors.New("invalid figures record")

// The schema is the same in both dialects: times are unix nanoseconds,
// payloads text.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS records (
	centre TEXT NOT NULL,
	seq BIGINT NOT NULL,
	kind TEXT NOT NULL,
	day TEXT NOT NULL,
	span_from BIGINT NOT NULL,
	span_to BIGINT NOT NULL,
	counters_open INTEGER NOT NULL,
	devices_total INTEGER NOT NULL,
	devices_offline INTEGER NOT NULL,
	devices_faults INTEGER NOT NULL,
	payload TEXT NOT NULL,
	received BIGINT NOT NULL,
	PRIMARY KEY (centre, seq)
)`,
	`CREATE INDEX IF NOT EXISTS records_day ON records (centre, kind, day)`,
	`CREATE TABLE IF NOT EXISTS service_figures (
	centre TEXT NOT NULL,
	seq BIGINT NOT NULL,
	service TEXT NOT NULL,
	issued INTEGER NOT NULL,
	served INTEGER NOT NULL,
	no_shows INTEGER NOT NULL,
	transferred INTEGER NOT NULL,
	wait_n INTEGER NOT NULL,
	wait_p50 INTEGER NOT NULL,
	wait_p90 INTEGER NOT NULL,
	wait_p95 INTEGER NOT NULL,
	wait_max INTEGER NOT NULL,
	service_n INTEGER NOT NULL,
	service_p50 INTEGER NOT NULL,
	service_p90 INTEGER NOT NULL,
	service_p95 INTEGER NOT NULL,
	service_max INTEGER NOT NULL,
	waiting INTEGER NOT NULL,
	target_s INTEGER NOT NULL,
	very_satisfied INTEGER NOT NULL,
	satisfied INTEGER NOT NULL,
	neutral INTEGER NOT NULL,
	dissatisfied INTEGER NOT NULL,
	within_target INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (centre, seq, service)
)`,
	// centres keeps, per centre, the highest seq stored and the latest
	// interval record (by its end): the city view reads it first.
	`CREATE TABLE IF NOT EXISTS centres (
	id TEXT PRIMARY KEY,
	last_seq BIGINT NOT NULL,
	last_received BIGINT NOT NULL,
	latest_seq BIGINT NOT NULL,
	latest_day TEXT NOT NULL,
	latest_from BIGINT NOT NULL,
	latest_to BIGINT NOT NULL,
	counters_open INTEGER NOT NULL,
	devices_total INTEGER NOT NULL,
	devices_offline INTEGER NOT NULL,
	devices_faults INTEGER NOT NULL,
	latest_waiting INTEGER NOT NULL DEFAULT -1
)`,
	// days sums up each centre's interval records of a local day for
	// the city view and the trend (days.go).
	daysTable(),
}

// columnsAdded are columns added since the first schema, for a database
// made before them: OpenStore adds those missing. The days table is not
// filled in for records stored before it.
var columnsAdded = []struct{ table, column, def string }{
	{"service_figures", "within_target", "INTEGER NOT NULL DEFAULT 0"},
	{"centres", "latest_waiting", "INTEGER NOT NULL DEFAULT -1"},
}

// Rows per INSERT, within SQLite's 32766 and PostgreSQL's 65535
// parameters a statement.
const (
	recordColumns     = 12
	recordsPerInsert  = 500
	serviceColumnsN   = 24
	servicesPerInsert = 1000
)

// insertRecords inserts n records and returns those that were new.
func insertRecords(n int) string {
	return `INSERT INTO records (centre, seq, kind, day, span_from, span_to, counters_open,
	devices_total, devices_offline, devices_faults, payload, received) VALUES ` +
		values(n, recordColumns) + ` ON CONFLICT (centre, seq) DO NOTHING RETURNING centre, seq`
}

func insertServices(n int) string {
	return `INSERT INTO service_figures (centre, seq, service, issued, served, no_shows, transferred,
	wait_n, wait_p50, wait_p90, wait_p95, wait_max, service_n, service_p50, service_p90, service_p95,
	service_max, waiting, target_s, very_satisfied, satisfied, neutral, dissatisfied, within_target) VALUES ` +
		values(n, serviceColumnsN) +
		` ON CONFLICT (centre, seq, service) DO NOTHING`
}

// values is n rows of placeholders: (?,?),(?,?).
func values(n, columns int) string {
	row := "(" + strings.Repeat("?,", columns-1) + "?)"
	return strings.Repeat(row+",", n-1) + row
}

const (
	// upsertCentre merges a batch's newest figures of a centre into its
	// row in one statement, so that two city instances writing the same
	// centre at once cannot lose each other's update. Every CASE reads
	// the row as it was before the update, in both dialects.
	upsertCentre = `INSERT INTO centres (id, last_seq, last_received, latest_seq, latest_day, latest_from,
	latest_to, counters_open, devices_total, devices_offline, devices_faults, latest_waiting)
	VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
	ON CONFLICT (id) DO UPDATE SET
	last_seq = CASE WHEN excluded.last_seq > centres.last_seq THEN excluded.last_seq ELSE centres.last_seq END,
	last_received = CASE WHEN excluded.last_received > centres.last_received THEN excluded.last_received ELSE centres.last_received END,
	latest_seq = CASE WHEN excluded.latest_to > centres.latest_to THEN excluded.latest_seq ELSE centres.latest_seq END,
	latest_day = CASE WHEN excluded.latest_to > centres.latest_to THEN excluded.latest_day ELSE centres.latest_day END,
	latest_from = CASE WHEN excluded.latest_to > centres.latest_to THEN excluded.latest_from ELSE centres.latest_from END,
	counters_open = CASE WHEN excluded.latest_to > centres.latest_to THEN excluded.counters_open ELSE centres.counters_open END,
	devices_total = CASE WHEN excluded.latest_to > centres.latest_to THEN excluded.devices_total ELSE centres.devices_total END,
	devices_offline = CASE WHEN excluded.latest_to > centres.latest_to THEN excluded.devices_offline ELSE centres.devices_offline END,
	devices_faults = CASE WHEN excluded.latest_to > centres.latest_to THEN excluded.devices_faults ELSE centres.devices_faults END,
	latest_waiting = CASE WHEN excluded.latest_to > centres.latest_to THEN excluded.latest_waiting ELSE centres.latest_waiting END,
	latest_to = CASE WHEN excluded.latest_to > centres.latest_to THEN excluded.latest_to ELSE centres.latest_to END`
)

// Store is the city's store of figures records. Its methods may be called
// from several goroutines, and several processes may share a PostgreSQL
// store.
type Store struct {
	db       *sql.DB
	postgres bool
	lock     *lockfile.Lock // an SQLite file's, held while open
}

// OpenStore opens or creates the store: PostgreSQL when dsn starts with
// postgres:// or postgresql://, otherwise an SQLite file at the path dsn,
// which one process alone may hold open (the error wraps lockfile.ErrHeld
// and names the other process).
func OpenStore(dsn string) (*Store, error) {
	s := &Store{postgres: strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")}
	var err error
	if s.postgres {
		if s.db, err = sql.Open("pgx", dsn); err != nil {
			return nil, fmt.Errorf("city.OpenStore: sql.Open pgx: %w", err)
		}
		s.db.SetMaxOpenConns(8)
	} else {
		// As the centre's store: WAL, durable commits, and writers that
		// take the lock when they begin rather than fail half way.
		path := dsn
		if s.lock, err = lockfile.Acquire(path, "city service", "-db"); err != nil {
			return nil, err
		}
		dsn = "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)" +
			"&_pragma=busy_timeout(5000)&_txlock=immediate"
		if s.db, err = sql.Open("sqlite", dsn); err != nil {
			s.lock.Release()
			return nil, fmt.Errorf("city.OpenStore: sql.Open %s: %w", path, err)
		}
		s.db.SetMaxOpenConns(1)
	}
	for _, q := range schema {
		if _, err := s.db.Exec(q); err != nil {
			s.Close()
			return nil, fmt.Errorf("city.OpenStore: create schema: %w", err)
		}
	}
	for _, c := range columnsAdded {
		if err := s.addColumn(c.table, c.column, c.def); err != nil {
			s.Close()
			return nil, fmt.Errorf("city.OpenStore: add column %s.%s: %w", c.table, c.column, err)
		}
	}
	return s, nil
}

// addColumn adds a column to a table made before it.
func (s *Store) addColumn(table, column, def string) error {
	if s.postgres {
		_, err := s.db.Exec(`ALTER TABLE ` + table + ` ADD COLUMN IF NOT EXISTS ` + column + ` ` + def)
		return err
	}
	var n int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?`, table, column).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	_, err := s.db.Exec(`ALTER TABLE ` + table + ` ADD COLUMN ` + column + ` ` + def)
	return err
}

// Close closes the database and lets another process open an SQLite one.
func (s *Store) Close() error { return errors.Join(s.db.Close(), s.lock.Release()) }

// Dialect is "postgres" or "sqlite".
func (s *Store) Dialect() string {
	if s.postgres {
		return "postgres"
	}
	return "sqlite"
}

// q adapts a query written with ? placeholders to the dialect. The
// queries of this package hold no ? in literals.
func (s *Store) q(query string) string {
	if !s.postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// centreRow is what a batch changes in a centre's row.
type centreRow struct {
	lastSeq, lastReceived        int64
	latestSeq                    int64
	latestDay                    string
	latestFrom, latestTo         int64
	countersOpen                 int
	devTotal, devOffline, devErr int
	waiting                      int // -1 when no service could tell
}

// Put stores records in one transaction and returns how many were new. A
// record already stored (same centre and seq) is left as it was and not
// counted. When Put returns nil the records are on disk; on error none of
// the batch is stored.
func (s *Store) Put(ctx context.Context, records []protocol.Figures, received time.Time) (stored int, err error) {
	payloads, err := encodeRecords(records)
	if err != nil {
		return 0, err
	}
	recs := distinctInOrder(records)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("city.Store.Put: begin: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	at := received.UnixNano()
	inserted, err := s.insertRecords(ctx, tx, records, payloads, recs, at)
	if err != nil {
		return 0, err
	}
	services := serviceBatch{store: s, tx: tx}
	centres := map[string]*centreRow{}
	days := map[dayKey]*dayCounts{}
	for _, i := range recs {
		f := &records[i]
		if !inserted[recordKey{f.Centre, f.Seq}] {
			continue
		}
		stored++
		if err := services.add(ctx, f); err != nil {
			return 0, err
		}
		addToDay(days, f)
		noteCentre(centres, f, at)
	}
	if err := services.flush(ctx); err != nil {
		return 0, err
	}
	if err := s.putDays(ctx, tx, days); err != nil {
		return 0, err
	}
	if err := s.putCentres(ctx, tx, centres); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("city.Store.Put: commit: %w", err)
	}
	return stored, nil
}

// recordKey names a record: its centre and its number there.
type recordKey struct {
	centre string
	seq    int64
}

// encodeRecords is each record's canonical JSON, checking it on the way.
func encodeRecords(records []protocol.Figures) ([][]byte, error) {
	payloads := make([][]byte, len(records))
	for i := range records {
		var err error
		if payloads[i], err = protocol.Encode(records[i]); err != nil {
			return nil, fmt.Errorf("city.Store.Put: %w: %s record %d: %w", ErrRecord, records[i].Centre, records[i].Seq, err)
		}
	}
	return payloads, nil
}

// distinctInOrder is the indexes of records, each record once, by centre
// and number. A record twice in the batch is the same record sent twice:
// the first copy is the one offered. In one order, so that two instances
// storing the same records at once wait for each other rather than
// deadlock.
func distinctInOrder(records []protocol.Figures) []int {
	seen := make(map[recordKey]bool, len(records))
	var recs []int
	for i, f := range records {
		if k := (recordKey{f.Centre, f.Seq}); !seen[k] {
			seen[k] = true
			recs = append(recs, i)
		}
	}
	slices.SortFunc(recs, func(a, b int) int {
		if c := strings.Compare(records[a].Centre, records[b].Centre); c != 0 {
			return c
		}
		return cmp.Compare(records[a].Seq, records[b].Seq)
	})
	return recs
}

// insertRecords inserts the records at recs that the store does not hold
// yet and returns those it inserted. Many rows a statement: a round trip
// to PostgreSQL costs more than the rows it carries.
func (s *Store) insertRecords(ctx context.Context, tx *sql.Tx, records []protocol.Figures, payloads [][]byte, recs []int,
	at int64) (map[recordKey]bool, error) {
	inserted := make(map[recordKey]bool, len(recs))
	for chunk := range slices.Chunk(recs, recordsPerInsert) {
		args := make([]any, 0, len(chunk)*recordColumns)
		for _, i := range chunk {
			f, d := &records[i], records[i].Devices
			args = append(args, f.Centre, f.Seq, f.Kind, f.Day, f.From.UnixNano(), f.To.UnixNano(),
				f.CountersOpen, d.Total, d.Offline, d.Faults, string(payloads[i]), at)
		}
		if err := scanInserted(ctx, tx, s.q(insertRecords(len(chunk))), args, inserted); err != nil {
			return nil, fmt.Errorf("city.Store.Put: insert records: %w", err)
		}
	}
	return inserted, nil
}

// scanInserted runs an insert returning the keys of the rows it inserted
// and adds them to inserted.
func scanInserted(ctx context.Context, tx *sql.Tx, query string, args []any, inserted map[recordKey]bool) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k recordKey
		if err := rows.Scan(&k.centre, &k.seq); err != nil {
			return err
		}
		inserted[k] = true
	}
	return rows.Err()
}

// serviceBatch gathers the service rows of new records and inserts them
// servicesPerInsert a statement.
type serviceBatch struct {
	store *Store
	tx    *sql.Tx
	args  []any
}

// add takes the service rows of f, inserting a full batch.
func (b *serviceBatch) add(ctx context.Context, f *protocol.Figures) error {
	for _, v := range f.Services {
		w, st, r := v.Wait, v.ServiceTime, v.Ratings
		b.args = append(b.args, f.Centre, f.Seq, v.Service, v.Issued, v.Served, v.NoShows, v.Transferred,
			w.N, w.P50, w.P90, w.P95, w.Max, st.N, st.P50, st.P90, st.P95, st.Max,
			v.Waiting, v.TargetSeconds, r[0], r[1], r[2], r[3], v.WithinTarget)
		if len(b.args) >= servicesPerInsert*serviceColumnsN {
			if err := b.flush(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// flush inserts the rows gathered.
func (b *serviceBatch) flush(ctx context.Context) error {
	if len(b.args) == 0 {
		return nil
	}
	n := len(b.args) / serviceColumnsN
	if _, err := b.tx.ExecContext(ctx, b.store.q(insertServices(n)), b.args...); err != nil {
		return fmt.Errorf("city.Store.Put: insert services: %w", err)
	}
	b.args = b.args[:0]
	return nil
}

// addToDay adds an interval record to its centre's day; a day record
// adds nothing (the intervals already did).
func addToDay(days map[dayKey]*dayCounts, f *protocol.Figures) {
	if f.Kind != protocol.FiguresInterval {
		return
	}
	k := dayKey{f.Centre, f.Day}
	d := days[k]
	if d == nil {
		d = &dayCounts{}
		days[k] = d
	}
	d.records++
	d.lastSeq = max(d.lastSeq, f.Seq)
	for _, v := range f.Services {
		d.add(v)
	}
}

// noteCentre keeps in centres what f changes of its centre's row: the last
// record received, and the latest interval with its devices and waiting.
func noteCentre(centres map[string]*centreRow, f *protocol.Figures, at int64) {
	c := centres[f.Centre]
	if c == nil {
		c = &centreRow{waiting: -1}
		centres[f.Centre] = c
	}
	c.lastSeq, c.lastReceived = max(c.lastSeq, f.Seq), at
	to := f.To.UnixNano()
	if f.Kind != protocol.FiguresInterval || to <= c.latestTo {
		return
	}
	d := f.Devices
	*c = centreRow{lastSeq: c.lastSeq, lastReceived: at, latestSeq: f.Seq, latestDay: f.Day,
		latestFrom: f.From.UnixNano(), latestTo: to, countersOpen: f.CountersOpen,
		devTotal: d.Total, devOffline: d.Offline, devErr: d.Faults, waiting: -1}
	for _, v := range f.Services {
		if v.Waiting >= 0 {
			c.waiting = max(c.waiting, 0) + v.Waiting
		}
	}
}

// putCentres writes the centres' rows, in a fixed order so that two
// writers lock centres alike.
func (s *Store) putCentres(ctx context.Context, tx *sql.Tx, centres map[string]*centreRow) error {
	for _, id := range slices.Sorted(maps.Keys(centres)) {
		c := centres[id]
		if _, err := tx.ExecContext(ctx, s.q(upsertCentre), id, c.lastSeq, c.lastReceived, c.latestSeq, c.latestDay,
			c.latestFrom, c.latestTo, c.countersOpen, c.devTotal, c.devOffline, c.devErr, c.waiting); err != nil {
			return fmt.Errorf("city.Store.Put: update centre %s: %w", id, err)
		}
	}
	return nil
}

// Records counts the records stored for centre, or for every centre when
// centre is empty.
func (s *Store) Records(ctx context.Context, centre string) (int, error) {
	var n int
	var err error
	if centre == "" {
		err = s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM records`).Scan(&n)
	} else {
		err = s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM records WHERE centre = ?`), centre).Scan(&n)
	}
	if err != nil {
		return 0, fmt.Errorf("city.Store.Records: %w", err)
	}
	return n, nil
}

// Arrivals returns the record numbers of centre in the order they were
// stored: an audit of whether a centre's records came in order.
func (s *Store) Arrivals(ctx context.Context, centre string) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT seq FROM records WHERE centre = ? ORDER BY received, seq`), centre)
	if err != nil {
		return nil, fmt.Errorf("city.Store.Arrivals: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			return nil, fmt.Errorf("city.Store.Arrivals: %w", err)
		}
		out = append(out, seq)
	}
	return out, rows.Err()
}

// Record returns the record of centre numbered seq as it was stored, and
// false if there is none.
func (s *Store) Record(ctx context.Context, centre string, seq int64) (protocol.Figures, bool, error) {
	var payload string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT payload FROM records WHERE centre = ? AND seq = ?`), centre, seq).Scan(&payload)
	if errors.Is(err, sql.ErrNoRows) {
		return protocol.Figures{}, false, nil
	}
	if err != nil {
		return protocol.Figures{}, false, fmt.Errorf("city.Store.Record: %w", err)
	}
	f, err := protocol.Decode[protocol.Figures]([]byte(payload))
	if err != nil {
		return protocol.Figures{}, false, fmt.Errorf("city.Store.Record: %s record %d: %w", centre, seq, err)
	}
	return f, true, nil
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}
