package config

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics and returns either a centre that
// holds together or errors that each name the file and a sentinel.
func FuzzParse(f *testing.F) {
	f.Add(Example())
	f.Add([]byte(base))
	for _, s := range []string{
		"",
		"\t",
		"---\n---\n",
		"centre: [\n",
		"a: &x [*x]\n",
		"services: *x\n",
		"? [a, b]\n: c\n",
		"services:\n  - {id: A, prefix: A, name: Đ, target_wait: 1ns, mean_service: 1ns}\n",
		edit(f, "target_wait: 20m", "target_wait: 20 phút"),
		edit(f, "{service: B, level: 1}", "{service: G, level: 1}"),
		edit(f, "  id: test", "\tid: test"),
		edit(f, "prefix: B", "prefix: A1"),
		edit(f, "id: board-1", "id: controller"),
		edit(f, "  id: test\n", "  id: test\n  timezone: ../../etc/passwd\n"),
		strings.ReplaceAll(base, "\n", "\r\n"),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("f.yaml", data)
		if err != nil {
			if c != nil {
				t.Fatal("a centre came with an error")
			}
			var l Errors
			if !errors.As(err, &l) || len(l) == 0 {
				t.Fatalf("error %T is not a non-empty Errors", err)
			}
			for _, e := range l {
				if e.File != "f.yaml" || e.Line < 0 || e.Msg == "" || (e.Err != ErrSyntax && e.Err != ErrInvalid) {
					t.Fatalf("bad *Error %#v", e)
				}
			}
			return
		}
		if c == nil || c.Location == nil || c.Name.VI == "" || len(c.Services) == 0 || len(c.Counters) == 0 {
			t.Fatalf("valid centre without its parts: %+v", c)
		}
		for _, s := range c.Services {
			if s.Prefix == "" || s.Width < 1 || s.TargetWait <= 0 || s.MeanService <= 0 {
				t.Fatalf("service %+v", s)
			}
		}
		for _, k := range c.Counters {
			for _, sk := range k.Services {
				if _, ok := c.Service(sk.Service); !ok || sk.Level < 1 {
					t.Fatalf("counter %s: skill %+v", k.ID, sk)
				}
			}
		}
		for _, d := range c.Devices {
			if _, ok := c.Counter(d.Counter); d.Kind == "counter" && !ok {
				t.Fatalf("terminal %s at unknown counter %q", d.ID, d.Counter)
			}
			if len(d.Password) < MinPassword {
				t.Fatalf("device %s: password %q", d.ID, d.Password)
			}
		}
	})
}
