// Package demo makes realistic, deterministic sample customers: the same seed
// gives the same people and organisations, so that a new installation looks
// alive and benchmarks run on repeatable data.
package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/customer"
)

var firstNames = strings.Fields(`Ada Alan Amara Ana Anders Ann Aisha Bea Ben Bilal Carla Chen Chloé Dara David Diego Elena
Emil Emma Eva Farah Felix Fatima Grace Hana Hugo Ines Ivan Jack Jana João Kai Kemal Lara Leo Lina Luca Maya Mateo Mia
Nadia Noah Nora Olga Omar Pablo Priya Quinn Rafael Rosa Sami Sara Sofia Tariq Theo Uma Vera Victor Wei Yara Yusuf Zoë`)

var lastNames = strings.Fields(`Abbott Adeyemi Almeida Andersen Baker Becker Bianchi Brown Castro Chen Costa Dubois
Eriksson Evans Fischer Garcia Gomez Hansen Hoffmann Ibrahim Ivanova Jansen Johnson Kaya Khan Kim Kowalski Larsen Lee
Lopez Martin Meyer Moreau Müller Nakamura Nguyen Novak Okafor Olsen Patel Petrov Quinn Rossi Sato Schmidt Silva Singh
Smith Sørensen Suzuki Tanaka Taylor Virtanen Wagner Walker Weber Williams Wong Yilmaz Zhang`)

var orgWords = strings.Fields(`Acme Apex Atlas Beacon Blue Cedar Copper Delta Ember Falcon Granite Harbor Horizon Iron
Juniper Keystone Lumen Maple Meridian Nimbus North Oak Orbit Pine Quartz River Sage Summit Terra Vertex Willow Zenith`)

var orgKinds = strings.Fields(`Logistics Foods Systems Analytics Hydraulics Textiles Pharma Labs Energy Robotics
Retail Travel Media Software Consulting Motors Bakery Dental Architects Outfitters`)

var orgSuffix = []string{"Ltd", "GmbH", "Inc.", "SA", "BV", "AB", "LLC", "plc"}

var cities = []struct{ city, country, region, dial string }{
	{"London", "GB", "", "+4420"}, {"Manchester", "GB", "", "+44161"}, {"Berlin", "DE", "", "+4930"},
	{"Munich", "DE", "BY", "+4989"}, {"Paris", "FR", "", "+331"}, {"Lyon", "FR", "", "+334"},
	{"New York", "US", "NY", "+1212"}, {"Austin", "US", "TX", "+1512"}, {"Seattle", "US", "WA", "+1206"},
	{"Toronto", "CA", "ON", "+1416"}, {"Madrid", "ES", "", "+3491"}, {"Milan", "IT", "", "+3902"},
	{"Amsterdam", "NL", "", "+3120"}, {"Stockholm", "SE", "", "+468"}, {"Sydney", "AU", "NSW", "+612"},
}

var streets = strings.Fields(`High Station Church Mill Park Victoria Market King Queen Bridge Garden Lake Oak Elm`)

var tagPool = []string{"vip", "newsletter", "wholesale", "partner", "event-2026", "trial", "enterprise", "smb",
	"referral", "returning"}

// Generator makes sample customers from a seed.
type Generator struct {
	rng    *rand.Rand
	n      int
	owners []int64
	teams  map[int64]int64
	now    time.Time
	clock  time.Time     // when the next customer was added
	step   time.Duration // average time between two customers
}

// history is how far back generated customers go.
const history = 3 * 365 * 24 * time.Hour

// NewGenerator returns a generator for about total customers, added one after
// another over the last three years as a real business adds them (so ids and
// creation times rise together). Customers are owned round-robin by the
// given users (teams says each owner's team); with none they are unowned.
func NewGenerator(seed uint64, owners []int64, teams map[int64]int64, now time.Time, total int) *Generator {
	now = now.UTC()
	return &Generator{rng: rand.New(rand.NewPCG(seed, seed^0x5c12)), owners: owners, teams: teams, now: now,
		clock: now.Add(-history), step: history / time.Duration(max(total, 1))}
}

func (g *Generator) pick(xs []string) string { return xs[g.rng.IntN(len(xs))] }

var folder = strings.NewReplacer("é", "e", "ë", "e", "ü", "u", "ø", "o", "ã", "a", "ç", "c")

// asciiFold makes a name usable in an email address.
func asciiFold(s string) string { return strings.ToLower(folder.Replace(s)) }

func (g *Generator) phone(dial string) string {
	digits := 10 - (len(dial) - 3)
	if strings.HasPrefix(dial, "+1") {
		digits = 7
		return fmt.Sprintf("%s%d%06d", dial, 2+g.rng.IntN(8), g.rng.IntN(1000000))[:len(dial)+digits]
	}
	n := fmt.Sprintf("%d%09d", 2+g.rng.IntN(7), g.rng.IntN(1000000000))
	return dial + n[:max(6, min(digits, 9))]
}

// Next returns the next customer, already in normal form.
func (g *Generator) Next() customer.Customer {
	g.n++
	place := cities[g.rng.IntN(len(cities))]
	g.clock = g.clock.Add(time.Duration(g.rng.Int64N(int64(2*g.step) + 1)))
	created := g.clock
	if created.After(g.now) {
		created = g.now
	}
	c := customer.Customer{Status: "active", CreatedAt: created.Truncate(time.Microsecond)}
	c.UpdatedAt = c.CreatedAt
	stages := customer.LifecycleStages()
	c.LifecycleStage = stages[g.rng.IntN(len(stages))]
	if g.rng.IntN(10) == 0 {
		c.Status = "inactive"
	}
	domainOf := ""
	if g.rng.IntN(5) == 0 {
		c.Kind = customer.Organization
		c.OrgName = g.pick(orgWords) + " " + g.pick(orgKinds) + " " + g.pick(orgSuffix)
		c.Name = c.OrgName
		domainOf = asciiFold(strings.Fields(c.OrgName)[0] + strings.Fields(c.OrgName)[1])
		c.Emails = []customer.Email{{Address: fmt.Sprintf("info%d@%s.example", g.n, domainOf), Label: "general", Primary: true}}
	} else {
		c.Kind = customer.Person
		c.FirstName, c.LastName = g.pick(firstNames), g.pick(lastNames)
		c.Name = c.FirstName + " " + c.LastName
		host := []string{"mail.example", "post.example", "inbox.example", "web.example"}[g.rng.IntN(4)]
		c.Emails = []customer.Email{{Address: fmt.Sprintf("%s.%s%d@%s", asciiFold(c.FirstName), asciiFold(c.LastName),
			g.n, host), Label: "personal", Primary: true}}
		if g.rng.IntN(3) == 0 {
			c.Emails = append(c.Emails, customer.Email{Address: fmt.Sprintf("%s%d@work.example", asciiFold(c.LastName), g.n), Label: "work"})
		}
	}
	c.Phones = []customer.Phone{{Number: g.phone(place.dial), Label: "mobile", Primary: true}}
	c.Addresses = []customer.Address{{Line1: fmt.Sprintf("%d %s Street", 1+g.rng.IntN(250), g.pick(streets)),
		City: place.city, Region: place.region, PostalCode: fmt.Sprintf("%05d", g.rng.IntN(99999)),
		Country: place.country, Primary: true}}
	for i := 0; i < g.rng.IntN(3); i++ {
		t := g.pick(tagPool)
		if !contains(c.Tags, t) {
			c.Tags = append(c.Tags, t)
		}
	}
	c.ExternalID = fmt.Sprintf("demo-%d", g.n)
	if len(g.owners) > 0 {
		c.OwnerID = g.owners[g.n%len(g.owners)]
		c.TeamID = g.teams[c.OwnerID]
	}
	return c
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
