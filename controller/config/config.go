package config

import (
	_ "embed"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the centre's zone must load on a machine without system tzdata

	"github.com/sothutu/sothutu/protocol"
)

// DefaultTimezone is the zone of a centre whose file names none.
const DefaultTimezone = "Asia/Ho_Chi_Minh"

// Defaults and limits of the file's numbers.
const (
	DefaultPriorityMaxInRow = 2
	MaxPriorityMaxInRow     = 10
	DefaultWidth            = 3
	MaxWidth                = 6
	MaxLevel                = 9
	MinPassword             = 8 // characters
	MaxSize                 = 1 << 20
	DefaultHoldFor          = 10 * time.Minute
	MinHoldFor              = 30 * time.Second
	MaxHoldFor              = 2 * time.Hour
)

// Centre is one Public Administration Service Centre: its services, its
// counters, the devices allowed to connect and the controller's account.
type Centre struct {
	ID       string
	Name     Text
	Timezone string
	// Location is loaded from Timezone. Days, and so ticket numbers, roll over
	// at midnight in this zone, never at UTC midnight.
	Location *time.Location
	Rules    Rules
	Services []Service
	Counters []Counter
	Devices  []Device
	// Controller is the controller's own MQTT account.
	Controller Account
	// Users sign in to the centre's web pages.
	Users []User
}

// Role is what a user may do on the centre's web pages.
type Role string

// Roles.
const (
	// RoleManager sees everything, moves counters, reads reports.
	RoleManager Role = "manager"
	// RoleStaff works at one counter: its page, its commands.
	RoleStaff Role = "staff"
	// RoleViewer sees the live view and the reports, changes nothing.
	RoleViewer Role = "viewer"
)

// User is a person who signs in to the centre's web pages.
type User struct {
	Name     string // signs in with it
	FullName string // shown on pages and reports; Name when empty
	Role     Role
	Counter  string // staff only: the counter they work at
	// PasswordHash is the bcrypt hash of the password; the file never
	// holds the password itself.
	PasswordHash string
}

// Display is the name pages and reports show.
func (u User) Display() string {
	if u.FullName != "" {
		return u.FullName
	}
	return u.Name
}

// User returns the user who signs in with name.
func (c *Centre) User(name string) (*User, bool) {
	return find(c.Users, func(user *User) bool { return user.Name == name })
}

// Text is a name shown or printed to citizens, in each language the centre
// offers. VI is always set; the others may be empty.
type Text struct {
	VI string
	EN string
	KM string // Khmer, for the tickets protocol.Languages allows in "km"
}

// In returns the text in lang ("vi", "en", "km"), or the Vietnamese text when
// there is none in lang.
func (t Text) In(lang string) string {
	switch lang {
	case "en":
		if t.EN != "" {
			return t.EN
		}
	case "km":
		if t.KM != "" {
			return t.KM
		}
	}
	return t.VI
}

// Rules are the centre's calling rules.
type Rules struct {
	// PriorityMaxInRow is the most legal-priority tickets one counter calls in
	// a row while ordinary tickets wait, so that neither group waits forever.
	PriorityMaxInRow int
	// HoldFor is how long a ticket issued with hold waits for its kiosk to
	// confirm that it reached the citizen before it is voided: a ticket
	// whose print failed must not be called, nor counted.
	HoldFor time.Duration
}

// Service is one queue: a block of ticket numbers and the counters that serve it.
type Service struct {
	ID string
	// Prefix starts every ticket number of the service: Prefix followed by
	// the day's running number zero-padded to Width digits, "A023".
	Prefix string
	Width  int
	Name   Text
	// TargetWait is the wait the centre aims for; longer waits are reported.
	TargetWait time.Duration
	// MeanService is the service time assumed until real ones are learned.
	MeanService time.Duration
}

// Counter is a desk where staff serve citizens.
type Counter struct {
	ID       string
	Name     Text
	Services []Skill
}

// Skill says that a counter serves a service, and how readily.
type Skill struct {
	Service string
	// Level 1 is a main service of the counter; 2, 3 and on are services it
	// helps with when it has nothing better to do.
	Level int
}

// Device is a kiosk, a counter terminal or a board allowed to connect.
type Device struct {
	ID       string
	Kind     protocol.DeviceKind
	Password string
	// Counter is the counter a terminal belongs to; counter terminals only.
	Counter string
	// Buttons are the services a kiosk offers, in screen order; kiosks only.
	Buttons []string
	// Offline is the block of running numbers a kiosk numbers its tickets
	// from while it cannot reach the controller; nil when it has none.
	// Online numbering skips every kiosk's block.
	Offline *Block
}

// Block is a range of running numbers, From to To inclusive.
type Block struct{ From, To int }

// Contains reports whether running number n lies in the block.
func (b Block) Contains(n int) bool { return b.From <= n && n <= b.To }

// MaxOfflineNumber bounds the running numbers of offline blocks.
const MaxOfflineNumber = 999999

// Account is a username and password for the MQTT broker.
type Account struct {
	Username string
	Password string
}

//go:embed example.yaml
var example []byte

// Example returns a complete, valid configuration of a ward centre in Can
// Tho, to start a new centre's file from.
func Example() []byte {
	return append([]byte(nil), example...)
}

// Load reads and parses the configuration file at path.
func Load(path string) (*Centre, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config.Load: %w", err)
	}
	return Parse(path, data)
}

// Service returns the service with the given id.
func (c *Centre) Service(id string) (*Service, bool) {
	return find(c.Services, func(service *Service) bool { return service.ID == id })
}

// Counter returns the counter with the given id.
func (c *Centre) Counter(id string) (*Counter, bool) {
	return find(c.Counters, func(counter *Counter) bool { return counter.ID == id })
}

// Device returns the device with the given id.
func (c *Centre) Device(id string) (*Device, bool) {
	return find(c.Devices, func(device *Device) bool { return device.ID == id })
}

// find returns the first of items that is what the caller looks for.
func find[T any](items []T, is func(*T) bool) (*T, bool) {
	for i := range items {
		if is(&items[i]) {
			return &items[i], true
		}
	}
	return nil, false
}

// vietnam is the zone of a Centre built without a Location.
var vietnam = mustLoad(DefaultTimezone)

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // time/tzdata is linked in
	}
	return loc
}

// Day returns the centre's local date of t, "2006-01-02": the day a ticket
// number belongs to. A Centre without a Location counts in Asia/Ho_Chi_Minh,
// never in UTC.
func (c *Centre) Day(t time.Time) string {
	loc := c.Location
	if loc == nil {
		loc = vietnam
	}
	return t.In(loc).Format(time.DateOnly)
}

// placeholder starts the example's passwords.
const placeholder = "doi-mat-khau"

// UnchangedPasswords returns the controller's username and the ids of the
// devices whose password is still an example placeholder ("doi-mat-khau-..."),
// so the controller can warn about them.
func (c *Centre) UnchangedPasswords() []string {
	var ids []string
	if strings.HasPrefix(c.Controller.Password, placeholder) {
		ids = append(ids, c.Controller.Username)
	}
	for _, d := range c.Devices {
		if strings.HasPrefix(d.Password, placeholder) {
			ids = append(ids, d.ID)
		}
	}
	samples := exampleHashes()
	for _, u := range c.Users {
		if samples[u.PasswordHash] {
			ids = append(ids, "user "+u.Name)
		}
	}
	return ids
}

// exampleHashes are the password hashes of example.yaml's users. They are
// compared as text: checking each password against its hash would cost a
// bcrypt round per user at every start.
var exampleHashes = sync.OnceValue(func() map[string]bool {
	out := map[string]bool{}
	c, err := Parse("example.yaml", example)
	if err != nil {
		return out
	}
	for _, u := range c.Users {
		out[u.PasswordHash] = true
	}
	return out
})
