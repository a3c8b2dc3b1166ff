package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCityExample(t *testing.T) {
	c, err := ParseCity("city.yaml", CityExample())
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != "can-tho" || c.Name.VI != "Thành phố Cần Thơ" || c.Interval != 5*time.Minute || c.Location.String() != DefaultTimezone {
		t.Errorf("city %+v", c)
	}
	if cc, ok := c.Centre("ninh-kieu"); !ok || cc.Name.VI != "Phường Ninh Kiều" {
		t.Errorf("centre ninh-kieu: %+v", cc)
	}
	if u, ok := c.User("quanly"); !ok || u.Role != RoleManager {
		t.Errorf("user quanly: %+v", u)
	}
}

func TestCityErrors(t *testing.T) {
	for _, c := range []struct {
		name, edit, with string
		want             string
	}{
		{"unknown section", "centres:", "centers:", `unknown field "centers" at top level; did you mean "centres"?`},
		{"staff in a city", "role: viewer", "role: staff", `users[1].role: unknown role "staff"`},
		{"interval", "interval: 5m", "interval: 7m", "city.interval: 7m0s does not divide a day"},
		{"duplicate centre", "id: cai-khe", "id: ninh-kieu", `duplicate centre id "ninh-kieu"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := strings.Replace(string(CityExample()), c.edit, c.with, 1)
			_, err := ParseCity("city.yaml", []byte(data))
			if err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v, want %q", err, c.want)
			}
			if err != nil && !strings.Contains(err.Error(), "city.yaml:") {
				t.Errorf("error without file and line: %v", err)
			}
		})
	}
	if _, err := ParseCity("city.yaml", nil); err == nil || !strings.Contains(err.Error(), "city, centres, users") {
		t.Errorf("empty file: %v", err)
	}
}
