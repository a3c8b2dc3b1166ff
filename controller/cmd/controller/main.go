// Command controller runs a centre's controller: the queue engine, its
// SQLite store, the embedded MQTT broker (unless -broker names an external
// one) and a JSON status endpoint.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/sothutu/sothutu/controller/broker"
	"github.com/sothutu/sothutu/controller/centre"
	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/controller/store"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

type flags struct {
	config    string
	db        string
	broker    string
	listen    string
	http      string
	mosquitto string
	verbose   bool
}

func main() {
	var f flags
	flag.StringVar(&f.config, "config", "/etc/sothutu/centre.yaml", "centre configuration file")
	flag.StringVar(&f.db, "db", "/var/lib/sothutu/centre.db", "SQLite database of the centre's state")
	flag.StringVar(&f.broker, "broker", "", "external MQTT broker URL such as tcp://127.0.0.1:1883; empty runs the embedded broker")
	flag.StringVar(&f.listen, "listen", ":1883", "address of the embedded broker")
	flag.StringVar(&f.http, "http", "127.0.0.1:8080", "address of the status endpoint; empty for none")
	flag.StringVar(&f.mosquitto, "write-mosquitto", "", "write a Mosquitto password_file and acl_file for the configuration into this folder and exit")
	flag.BoolVar(&f.verbose, "v", false, "log debug records")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, f); err != nil {
		fmt.Fprintln(os.Stderr, "controller:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, f flags) error {
	level := slog.LevelInfo
	if f.verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	cfg, err := config.Load(f.config)
	if err != nil {
		return err
	}
	if who := cfg.UnchangedPasswords(); len(who) > 0 {
		log.Warn("passwords still the example's; change them in the configuration", "accounts", who)
	}
	if f.mosquitto != "" {
		return writeMosquitto(f.mosquitto, cfg)
	}

	if err := os.MkdirAll(filepath.Dir(f.db), 0o750); err != nil {
		return fmt.Errorf("create the database folder: %w", err)
	}
	st, err := store.Open(f.db)
	if err != nil {
		return err
	}
	defer st.Close()

	url := f.broker
	if url == "" {
		b, err := broker.Start(broker.Options{Addr: f.listen, Accounts: centre.Accounts(cfg), Logger: log.With("part", "broker")})
		if err != nil {
			return err
		}
		defer b.Close()
		url = "tcp://" + loopback(b.Addr())
		log.Info("embedded broker listening", "addr", b.Addr())
	}

	c, err := centre.New(ctx, centre.Options{Centre: cfg, Store: st, Broker: url, Logger: log, Version: version})
	if err != nil {
		return err
	}
	if f.http != "" {
		srv := &http.Server{Addr: f.http, Handler: statusMux(c), ReadHeaderTimeout: 5 * time.Second}
		ln, err := net.Listen("tcp", f.http)
		if err != nil {
			return fmt.Errorf("status endpoint: %w", err)
		}
		log.Info("status endpoint", "url", "http://"+ln.Addr().String()+"/status")
		go srv.Serve(ln)
		defer srv.Close()
	}
	err = c.Run(ctx)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func statusMux(c *centre.Controller) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /status", c)
	return mux
}

// loopback turns a listening address such as [::]:1883 into one to dial.
func loopback(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" || host == "::" || host == "0.0.0.0" {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return addr
}

func writeMosquitto(dir string, cfg *config.Centre) error {
	accounts := centre.Accounts(cfg)
	passwords, err := broker.MosquittoPasswords(accounts)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "passwords"), passwords, 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "acl"), broker.MosquittoACL(accounts), 0o644)
}
