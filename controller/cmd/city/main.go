// Command city runs the city's side of the figures uplink: it takes the
// figures records every centre sends to the city's MQTT broker, stores
// them (SQLite or PostgreSQL), acknowledges them to their centres, and
// serves the city view of every centre.
// Several instances may share the load on one broker with -share and one
// PostgreSQL database.
//
// With -nats instead of -broker, the city takes the figures from a NATS
// cluster whose MQTT listeners the centres use: it connects with NATS's own
// protocol to the listed servers (moving between them, forever), receives
// the figures through a NATS queue group (-share, default "city"; NATS's
// MQTT has no shared subscriptions) and publishes the acknowledgements
// there.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sothutu/sothutu/controller/city"
	"github.com/sothutu/sothutu/controller/city/view"
	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/internal/lifecycle"
)

type flags struct {
	db           string
	broker       string
	nats         string // NATS URLs, instead of broker
	user         string
	passwordFile string
	ca           string
	clientID     string
	share        string
	verbose      bool
	config       string // the city's configuration: name, centres, users
	http         string // the city view's address; empty for none
}

func main() {
	var f flags
	flag.StringVar(&f.db, "db", "/var/lib/sothutu/city.db", "SQLite database file, or a PostgreSQL DSN postgres://user@host/db")
	flag.StringVar(&f.broker, "broker", "tcp://127.0.0.1:1883", "the city's MQTT broker, tcp://host:1883 or ssl://host:8883")
	flag.StringVar(&f.nats, "nats", "", "instead of -broker, a NATS cluster with MQTT listeners: comma-separated URLs nats://host:4222,nats://host2:4222 (tls:// for TLS); several instances share the figures with the queue group of -share, default city")
	flag.StringVar(&f.user, "user", "city", "the city's username on the broker")
	flag.StringVar(&f.passwordFile, "password-file", "", "file holding the city's password on the broker")
	flag.StringVar(&f.ca, "ca", "", "PEM file of the certificate authority of the broker; empty trusts the system's")
	flag.StringVar(&f.clientID, "client-id", "", "MQTT client id, one per instance; empty uses -user")
	flag.StringVar(&f.share, "share", "", "shared subscription group for several instances, such as city; empty for one instance (with -nats, the queue group, default city)")
	flag.BoolVar(&f.verbose, "v", false, "log debug records")
	flag.StringVar(&f.config, "config", "/etc/sothutu/city.yaml", "the city's configuration: its name, centres and users (see controller/config/city.example.yaml)")
	flag.StringVar(&f.http, "http", ":8090", "address of the city view (sign-in required); empty for none")
	flag.Parse()

	lifecycle.Main("city", func(ctx context.Context) error { return run(ctx, f) })
}

func run(ctx context.Context, f flags) error {
	log := lifecycle.Logger(f.verbose)

	postgres := strings.HasPrefix(f.db, "postgres://") || strings.HasPrefix(f.db, "postgresql://")
	if !postgres {
		if err := os.MkdirAll(filepath.Dir(f.db), 0o750); err != nil {
			return fmt.Errorf("create the database folder: %w", err)
		}
	}
	st, err := city.OpenStore(f.db)
	if err != nil {
		return err
	}
	defer st.Close()

	opts := city.IngestOptions{Store: st, Broker: f.broker, Username: f.user, ClientID: f.clientID,
		Share: f.share, Logger: log}
	if f.nats != "" {
		opts.Broker, opts.NATS = "", f.nats
	}
	if opts.Password, err = config.BrokerPassword(f.passwordFile); err != nil {
		return fmt.Errorf("-password-file: %w", err)
	}
	if opts.TLS, err = config.BrokerTLS(f.broker, f.ca); err != nil {
		return err
	}
	in := city.NewIngest(opts)
	if f.nats != "" {
		log.Info("city starting", "store", st.Dialect(), "nats", f.nats, "share", f.share)
	} else {
		log.Info("city starting", "store", st.Dialect(), "broker", f.broker, "share", f.share)
	}

	// The ingest, its report and the city view end together: when one
	// fails the others stop, and the process exits non-zero.
	var viewServer *lifecycle.Server
	if f.http != "" {
		cfg, err := config.LoadCity(f.config)
		if err != nil {
			return err
		}
		pages, err := view.New(view.Options{City: cfg, Store: st, Logger: log.With("part", "web")})
		if err != nil {
			return err
		}
		if viewServer, err = lifecycle.Listen(f.http, pages); err != nil {
			return fmt.Errorf("city view: %w", err)
		}
		log.Info("city view", "url", "http://"+viewServer.Addr()+"/")
		if len(cfg.Users) == 0 {
			log.Warn("no users in the city's configuration: nobody can sign in to the city view")
		}
	}
	parts, _ := lifecycle.NewGroup(ctx)
	parts.Go("report", func(ctx context.Context) error { report(ctx, in, log); return nil })
	if viewServer != nil {
		parts.Go("city view", viewServer.Serve)
	}
	parts.Go("ingest", in.Run)
	return parts.Wait()
}

// report logs the ingest's counters every minute they changed.
func report(ctx context.Context, in *city.Ingest, log *slog.Logger) {
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	var last city.Counters
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		c := in.Counters()
		if c == last {
			continue
		}
		last = c
		log.Info("figures", "received", c.Received, "stored", c.Stored, "duplicates", c.Duplicates,
			"refused", c.Refused, "failed", c.Failed, "acks", c.Acks, "lag", c.Lag.Round(time.Second))
	}
}
