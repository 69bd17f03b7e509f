package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Limits bound what anyone can make the server hold or start. A zero field
// takes its value from [DefaultLimits].
type Limits struct {
	// LoginStarts and LoginStartsPerAddr bound login starts (each makes
	// outbound calls and stores a row) per LoginWindow, in all and per
	// client address.
	LoginStarts, LoginStartsPerAddr int
	LoginWindow                     time.Duration
	// LoginsInFlight and LoginsInFlightPerAddr bound login starts running
	// at once, in all and per client address.
	LoginsInFlight, LoginsInFlightPerAddr int
	// Streams and StreamsPerAddr bound open GET /events streams, in all
	// and per client address.
	Streams, StreamsPerAddr int
	// StreamLifetime is how long one event stream lasts before the server
	// ends it (the browser's EventSource reconnects).
	StreamLifetime time.Duration
}

// DefaultLimits returns the limits of a server whose Deps.Limits is zero:
// 30 login starts a minute per address (600 in all), 4 at once per address
// (64 in all), 16 open event streams per address (2,000 in all), each
// ended after 15 minutes.
func DefaultLimits() Limits {
	return Limits{
		LoginStarts: 600, LoginStartsPerAddr: 30, LoginWindow: time.Minute,
		LoginsInFlight: 64, LoginsInFlightPerAddr: 4,
		Streams: 2000, StreamsPerAddr: 16, StreamLifetime: 15 * time.Minute,
	}
}

// withDefaults fills in the zero fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	for _, f := range []struct{ v, def *int }{
		{&l.LoginStarts, &d.LoginStarts}, {&l.LoginStartsPerAddr, &d.LoginStartsPerAddr},
		{&l.LoginsInFlight, &d.LoginsInFlight}, {&l.LoginsInFlightPerAddr, &d.LoginsInFlightPerAddr},
		{&l.Streams, &d.Streams}, {&l.StreamsPerAddr, &d.StreamsPerAddr},
	} {
		if *f.v <= 0 {
			*f.v = *f.def
		}
	}
	if l.LoginWindow <= 0 {
		l.LoginWindow = d.LoginWindow
	}
	if l.StreamLifetime <= 0 {
		l.StreamLifetime = d.StreamLifetime
	}
	return l
}

// clientAddr is the address limits count a request against: the peer's IP.
func (s *Server) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if !s.trusted(host) {
		return host
	}
	// Behind trusted proxies: the client is the nearest address that is
	// not one of them, reading X-Forwarded-For from the right (the left
	// part is whatever the client chose to send).
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if hop == "" {
			continue
		}
		if !s.trusted(hop) {
			return hop
		}
		host = hop
	}
	return host
}

// trusted reports whether addr is one of the trusted proxies.
func (s *Server) trusted(addr string) bool {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range s.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// gate bounds how many of something are held at once, in all and per
// client address.
type gate struct {
	max, perAddr int
	mu           sync.Mutex
	total        int
	byAddr       map[string]int
}

func newGate(max, perAddr int) *gate {
	return &gate{max: max, perAddr: perAddr, byAddr: map[string]int{}}
}

// acquire takes a slot for addr; ok is false when a limit is reached.
// release gives the slot back (call it once).
func (g *gate) acquire(addr string) (release func(), ok bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.total >= g.max || g.byAddr[addr] >= g.perAddr {
		return nil, false
	}
	g.total++
	g.byAddr[addr]++
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			defer g.mu.Unlock()
			g.total--
			if g.byAddr[addr]--; g.byAddr[addr] <= 0 {
				delete(g.byAddr, addr)
			}
		})
	}, true
}

// rateLimit allows n events per window, in all and per client address,
// as token buckets that refill continuously.
type rateLimit struct {
	max, perAddr float64
	perSecond    float64 // refill of one bucket of size 1, scaled by its size
	now          func() time.Time
	mu           sync.Mutex
	total        bucket
	byAddr       map[string]*bucket
}

type bucket struct {
	used float64 // tokens spent and not yet refilled, as a fraction of the size
	at   time.Time
}

// maxTrackedAddrs is when rateLimit forgets addresses whose buckets are full.
const maxTrackedAddrs = 10_000

func newRateLimit(max, perAddr int, window time.Duration, now func() time.Time) *rateLimit {
	return &rateLimit{
		max: float64(max), perAddr: float64(perAddr), perSecond: 1 / window.Seconds(),
		now: now, byAddr: map[string]*bucket{},
	}
}

// allow spends one token for addr, or reports false when either bucket is
// empty (then nothing is spent).
func (l *rateLimit) allow(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.byAddr) >= maxTrackedAddrs {
		for a, b := range l.byAddr {
			if b.refill(now, l.perSecond) == 0 {
				delete(l.byAddr, a)
			}
		}
	}
	b := l.byAddr[addr]
	if b == nil {
		b = &bucket{at: now}
		l.byAddr[addr] = b
	}
	total, mine := l.total.refill(now, l.perSecond), b.refill(now, l.perSecond)
	if total+1/l.max > 1+1e-9 || mine+1/l.perAddr > 1+1e-9 {
		return false
	}
	l.total.used += 1 / l.max
	b.used += 1 / l.perAddr
	return true
}

// refill returns the bucket's spent fraction after refilling it up to now.
func (b *bucket) refill(now time.Time, perSecond float64) float64 {
	b.used -= now.Sub(b.at).Seconds() * perSecond
	if b.used < 0 {
		b.used = 0
	}
	b.at = now
	return b.used
}
