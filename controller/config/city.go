package config

import (
	_ "embed"
	"fmt"
	"os"
	"time"

	"go.yaml.in/yaml/v3"
)

// City is the configuration of a city's service that gathers its centres'
// figures: its name, its zone, the interval the centres send, the centres
// it expects and the people who sign in to its pages.
type City struct {
	ID       string
	Name     Text
	Timezone string
	Location *time.Location
	// Interval is the span of the centres' figures records; a centre with
	// no record for three intervals is shown with its uplink down.
	Interval time.Duration
	// Centres are the centres the city expects, with their names; a centre
	// not listed is shown by its id as soon as it sends.
	Centres []CityCentre
	// Users are managers (see everything) and viewers of the city's pages.
	Users []User
}

// CityCentre is a centre as the city knows it.
type CityCentre struct {
	ID   string
	Name Text
}

// Centre returns the centre with the given id.
func (c *City) Centre(id string) (*CityCentre, bool) {
	return find(c.Centres, func(centre *CityCentre) bool { return centre.ID == id })
}

// User returns the user who signs in with name.
func (c *City) User(name string) (*User, bool) {
	return find(c.Users, func(user *User) bool { return user.Name == name })
}

var (
	cityTopFields = []string{"city", "centres", "users"}
	citySection   = []string{"id", "name", "timezone", "interval"}
	cityCentre    = []string{"id", "name"}
	cityRoles     = []string{string(RoleManager), string(RoleViewer)}
)

//go:embed city.example.yaml
var cityExample []byte

// CityExample returns a complete, valid city configuration to start from.
func CityExample() []byte { return append([]byte(nil), cityExample...) }

// LoadCity reads and parses the city configuration file at path.
func LoadCity(path string) (*City, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config.LoadCity: %w", err)
	}
	return ParseCity(path, data)
}

// ParseCity reads a city's configuration; its errors are as Parse's.
func ParseCity(filename string, data []byte) (*City, error) {
	d := &decoder{file: filename, top: cityTopFields}
	root := d.document(data)
	if root == nil {
		return nil, d.errs
	}
	c := &City{Timezone: DefaultTimezone, Location: vietnam, Interval: 5 * time.Minute}
	top := d.fields(root, "", "the sections of a city configuration", cityTopFields)
	if n := d.require(top, root, "", "city", "give the city's id and name"); n != nil {
		d.citySection(n, c)
	}
	if n, ok := top["centres"]; ok {
		ids := newSeen("centre")
		for i, item := range d.list(n, "centres", "a list of centres, each starting with \"- id:\"") {
			path := index("centres", i)
			f := d.fields(item, path, "a centre's fields (id, name)", cityCentre)
			if f == nil {
				continue
			}
			var cc CityCentre
			if v := d.require(f, item, path, "id", "the centre's id, as in its own configuration"); v != nil {
				if id, ok := d.id(v, join(path, "id")); ok && ids.add(d, v, join(path, "id"), id) {
					cc.ID = id
				}
			}
			if v := d.require(f, item, path, "name", "the centre's name, {vi: \"...\", en: \"...\"}"); v != nil {
				cc.Name = d.name(v, join(path, "name"))
			}
			c.Centres = append(c.Centres, cc)
		}
	}
	if n, ok := top["users"]; ok {
		c.Users = d.userList(n, cityRoles, nil)
	}
	if err := d.result(); err != nil {
		return nil, err
	}
	return c, nil
}

func (d *decoder) citySection(n *yaml.Node, c *City) {
	f := d.fields(n, "city", "the city's fields", citySection)
	if f == nil {
		return
	}
	c.ID, c.Name = d.identity(f, n, "city", "can-tho", "the city's")
	if v, ok := f["timezone"]; ok {
		if tz, ok := d.text(v, "city.timezone"); ok {
			loc, err := time.LoadLocation(tz)
			if err != nil || tz == "" || tz == "Local" {
				d.fail(v, "city.timezone", "unknown time zone %q; use a zone name like %s", tz, DefaultTimezone)
			} else {
				c.Timezone, c.Location = tz, loc
			}
		}
	}
	if v, ok := f["interval"]; ok {
		if iv := d.duration(v, "city.interval"); iv > 0 {
			if (24*time.Hour)%iv != 0 {
				d.fail(v, "city.interval", "%s does not divide a day; use 1m, 5m, 10m, 15m, 30m or 1h", iv)
			} else {
				c.Interval = iv
			}
		}
	}
}
