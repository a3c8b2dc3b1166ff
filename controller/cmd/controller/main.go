// Command controller runs a centre's controller: the queue engine, its
// SQLite store, the embedded MQTT broker (unless -broker names an external
// one), the web pages for managers and staff, and a JSON status endpoint.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/sothutu/sothutu/controller/broker"
	"github.com/sothutu/sothutu/controller/centre"
	"github.com/sothutu/sothutu/controller/config"
	"github.com/sothutu/sothutu/controller/metrics"
	"github.com/sothutu/sothutu/controller/pages"
	"github.com/sothutu/sothutu/controller/store"
	"github.com/sothutu/sothutu/controller/uplink"
	"github.com/sothutu/sothutu/controller/web"
	"github.com/sothutu/sothutu/internal/lifecycle"
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
	hash      bool
	// The city's broker, for the figures sent upstream; empty for none.
	uplink             string
	uplinkUser         string
	uplinkPasswordFile string
	uplinkCA           string
	uplinkInterval     time.Duration
	uplinkRate         float64
	// secureCookies marks the pages' cookies Secure, behind an HTTPS proxy.
	secureCookies bool
}

func main() {
	var f flags
	flag.StringVar(&f.config, "config", "/etc/sothutu/centre.yaml", "centre configuration file")
	flag.StringVar(&f.db, "db", "/var/lib/sothutu/centre.db", "SQLite database of the centre's state")
	flag.StringVar(&f.broker, "broker", "", "external MQTT broker URL such as tcp://127.0.0.1:1883; empty runs the embedded broker")
	flag.StringVar(&f.listen, "listen", ":1883", "address of the embedded broker, or of the listener in the mosquitto.conf -write-mosquitto writes")
	flag.StringVar(&f.http, "http", ":8080", "address of the web pages (sign-in required) and the /status endpoint; empty for none")
	flag.StringVar(&f.uplink, "uplink", "", "the city's MQTT broker for the centre's figures, tcp://host:1883 or ssl://host:8883; empty sends none")
	flag.StringVar(&f.uplinkUser, "uplink-user", "", "the centre's username on the city's broker")
	flag.StringVar(&f.uplinkPasswordFile, "uplink-password-file", "", "file holding the centre's password on the city's broker")
	flag.StringVar(&f.uplinkCA, "uplink-ca", "", "PEM file of the certificate authority of the city's broker; empty trusts the system's")
	flag.DurationVar(&f.uplinkInterval, "uplink-interval", 5*time.Minute, "span of each figures record; divides a day")
	flag.Float64Var(&f.uplinkRate, "uplink-rate", 2, "records a second at most, when a backlog drains")
	flag.BoolVar(&f.hash, "hash-password", false, "read a password from standard input, print its bcrypt hash for the users: section, and exit")
	flag.BoolVar(&f.secureCookies, "secure-cookies", false, "mark the pages' cookies Secure (when served over HTTPS by a proxy)")
	flag.StringVar(&f.mosquitto, "write-mosquitto", "", "write mosquitto.conf, passwords and acl for an external Mosquitto into this folder, readable by group mosquitto, and exit")
	flag.BoolVar(&f.verbose, "v", false, "log debug records")
	flag.Parse()

	if f.hash {
		if err := hashPassword(); err != nil {
			fmt.Fprintln(os.Stderr, "controller:", err)
			os.Exit(1)
		}
		return
	}
	lifecycle.Main("controller", func(ctx context.Context) error { return run(ctx, f) })
}

func run(ctx context.Context, f flags) error {
	log := lifecycle.Logger(f.verbose)

	cfg, err := config.Load(f.config)
	if err != nil {
		return err
	}
	if who := cfg.UnchangedPasswords(); len(who) > 0 {
		log.Warn("passwords still the example's; change them in the configuration", "accounts", who)
	}
	if f.mosquitto != "" {
		return writeMosquitto(os.Stdout, os.Stderr, f, cfg)
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
	// The controller, its pages and its uplink end together: when one
	// fails (the controller that cannot rebuild its state, say) the others
	// stop, and the process exits non-zero for systemd to restart it.
	parts, _ := lifecycle.NewGroup(ctx)
	if f.http != "" {
		pages, err := web.New(web.Options{Centre: cfg, Controller: c, Store: st, Logger: log.With("part", "web"),
			Sessions: pages.Sessions{SecureCookies: f.secureCookies}})
		if err != nil {
			return err
		}
		srv, err := lifecycle.Listen(f.http, mux(c, cfg, pages))
		if err != nil {
			return fmt.Errorf("web pages: %w", err)
		}
		log.Info("web pages", "url", "http://"+loopback(srv.Addr())+"/", "status", "/status", "metrics", "/metrics")
		if len(cfg.Users) == 0 {
			log.Warn("no users in the configuration: nobody can sign in to the web pages; add a users: section")
		}
		parts.Go("web pages", srv.Serve)
	}
	if f.uplink != "" {
		u, err := newUplink(f, cfg, st, c, log)
		if err != nil {
			parts.Stop()
			parts.Wait()
			return err
		}
		parts.Go("uplink", u.Run)
	}
	parts.Go("controller", c.Run)
	return parts.Wait()
}

// newUplink sets up the figures sent to the city from the -uplink flags.
func newUplink(f flags, cfg *config.Centre, st *store.Store, c *centre.Controller, log *slog.Logger) (*uplink.Uplink, error) {
	opts := uplink.Options{Centre: cfg, Store: st, Controller: c, Broker: f.uplink, Username: f.uplinkUser,
		Interval: f.uplinkInterval, Rate: f.uplinkRate, Logger: log}
	var err error
	if opts.Password, err = config.BrokerPassword(f.uplinkPasswordFile); err != nil {
		return nil, fmt.Errorf("-uplink-password-file: %w", err)
	}
	if opts.TLS, err = config.BrokerTLS(f.uplink, f.uplinkCA); err != nil {
		return nil, fmt.Errorf("-uplink-ca: %w", err)
	}
	u, err := uplink.New(opts)
	if err != nil {
		return nil, err
	}
	log.Info("figures go to the city", "broker", f.uplink, "interval", opts.Interval)
	return u, nil
}

// mux serves the status JSON, the Prometheus metrics and the pages for people.
func mux(c *centre.Controller, cfg *config.Centre, pages *web.Server) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /status", c)
	mux.Handle("GET /metrics", metrics.Handler(metrics.New(c, cfg)))
	mux.Handle("/", pages)
	return mux
}

// hashPassword reads a password from standard input and prints its bcrypt
// hash, for the users: section of the configuration.
func hashPassword() error {
	fmt.Fprint(os.Stderr, "Mật khẩu / Password: ")
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return fmt.Errorf("read the password: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if utf8.RuneCountInString(password) < config.MinPassword {
		return fmt.Errorf("password too short: use at least %d characters", config.MinPassword)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	fmt.Println(string(hash))
	return nil
}

// loopback turns a listening address such as [::]:1883 into one to dial.
func loopback(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" || host == "::" || host == "0.0.0.0" {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return addr
}
