// Package lifecycle runs the parts of a program (its controller, link,
// pages, uplink) as goroutines it owns: each has a name, the first to fail
// stops the others, and the program waits for all of them and returns
// that failure, so that its main exits non-zero and systemd restarts it.
// Serve is an HTTP server as such a part, shut down gracefully.
package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Group is a set of parts sharing one context. The zero value is not
// usable; make one with NewGroup.
type Group struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
	err    error
}

// NewGroup returns a group whose parts run under a context that ends with
// ctx, with Stop, or when a part fails.
func NewGroup(ctx context.Context) (*Group, context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	g := &Group{ctx: ctx, cancel: cancel}
	return g, ctx
}

// Go runs part in a goroutine of the group. A part's error other than a
// clean end (Clean) stops the group, and Wait returns it after the name.
func (g *Group) Go(name string, part func(ctx context.Context) error) {
	g.wg.Go(func() {
		if err := part(g.ctx); !Clean(err) {
			g.once.Do(func() {
				g.err = fmt.Errorf("%s: %w", name, err)
				g.cancel()
			})
		}
	})
}

// Stop ends the group's context: every part is asked to return.
func (g *Group) Stop() { g.cancel() }

// Wait waits for every part to return and returns the first failure.
func (g *Group) Wait() error {
	g.wg.Wait()
	g.cancel()
	return g.err
}

// Clean reports whether err is no failure: nil, or the end of the context,
// of a listener or of a server that was asked to end.
func Clean(err error) bool {
	return err == nil || errors.Is(err, context.Canceled) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, http.ErrServerClosed)
}

// ShutdownTimeout bounds the wait for requests in progress when a server
// shuts down; connections still open then are closed.
const ShutdownTimeout = 5 * time.Second

// ReadHeaderTimeout is set on a server that has none, so that a client
// that never finishes its request headers does not hold a connection.
const ReadHeaderTimeout = 5 * time.Second

// Serve serves srv on ln until ctx ends, then shuts it down, waiting up
// to ShutdownTimeout for the requests in progress. It returns nil after a
// clean shutdown, or the error that ended the server.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener) error {
	if srv.ReadHeaderTimeout == 0 {
		srv.ReadHeaderTimeout = ReadHeaderTimeout
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		// It ended by itself: its listener failed.
		return fmt.Errorf("http serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(shutdown)
	if err != nil {
		srv.Close()
		err = fmt.Errorf("http shutdown: %w", err)
	}
	<-served // http.ErrServerClosed once Shutdown or Close has begun
	return err
}

// Server is an HTTP server bound to its address, so that a program that
// cannot bind it fails before its parts start, to be served as a part.
type Server struct {
	server   *http.Server
	listener net.Listener
}

// Listen binds addr for handler's server. Its error is net.Listen's,
// which names the address: the caller wraps it with the part's name.
func Listen(addr string, handler http.Handler) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &Server{server: &http.Server{Handler: handler, ReadHeaderTimeout: ReadHeaderTimeout}, listener: ln}, nil
}

// Addr is the address the server listens on, its port chosen when addr's
// was 0.
func (s *Server) Addr() string { return s.listener.Addr().String() }

// Serve is Serve of the server on its listener, a group's part.
func (s *Server) Serve(ctx context.Context) error { return Serve(ctx, s.server, s.listener) }
