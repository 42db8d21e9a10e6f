package marketing

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/scrms/scrms/internal/mail"
)

// link is one way out for a campaign's messages: an SMTP connection, or
// the SMS provider.
type link interface {
	deliver(ctx context.Context, s *Service, c Campaign, tpl *Compiled, r Recipient) error
	Close() error
}

// emailLink sends over one SMTP connection.
type emailLink struct{ conn *mail.Conn }

func (l emailLink) deliver(ctx context.Context, s *Service, c Campaign, tpl *Compiled, r Recipient) error {
	m, err := s.message(ctx, c, tpl, r)
	if err != nil {
		return err
	}
	return l.conn.Send(ctx, m)
}

func (l emailLink) Close() error { return l.conn.Close() }

// connPool keeps a campaign's links open across batches.
type connPool struct {
	open func(ctx context.Context) (link, error)
	mu   sync.Mutex
	idle []link
}

func (p *connPool) get(ctx context.Context) (link, error) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()
	return p.open(ctx)
}

func (p *connPool) put(c link) {
	p.mu.Lock()
	p.idle = append(p.idle, c)
	p.mu.Unlock()
}

func (p *connPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.idle {
		_ = c.Close()
	}
	p.idle = nil
}

// recordWait is how long the recorder waits for the other connections'
// reports before writing what it has.
const recordWait = 300 * time.Microsecond

// gather adds reports to batch until it holds one per writer or the pause
// is over.
func gather(in <-chan ledgerWrite, batch *[]ledgerWrite, writers int, wait *time.Timer, pause time.Duration) {
	wait.Reset(pause)
	defer func() {
		if !wait.Stop() {
			select {
			case <-wait.C:
			default:
			}
		}
	}()
	for len(*batch) < writers {
		select {
		case more, ok := <-in:
			if !ok {
				return
			}
			*batch = append(*batch, more)
		case <-wait.C:
			return
		}
	}
}

// ledgerWrite is one connection's report: the message it tried (with its
// outcome) and the message it will send next.
type ledgerWrite struct {
	done  *Outcome
	next  int64
	reply chan error
}

// recorder writes the connections' reports together: after the first
// report it waits a moment for the other connections' (they run in step),
// then stores them all in one transaction, so that marking each message
// costs a share of a commit rather than a commit. When commits take longer
// than that moment (a database that syncs each commit to disk), the
// reports gather while the previous commit runs, and the recorder does not
// wait at all: the wait would only add to every message's round.
func (s *Service) recorder(ctx context.Context, in <-chan ledgerWrite, writers int) {
	wait := time.NewTimer(time.Hour)
	defer wait.Stop()
	var lastCommit time.Duration
	for w := range in {
		batch := []ledgerWrite{w}
		pause := recordWait
		if lastCommit > recordWait {
			pause = 0
		}
	drain:
		for len(batch) < writers {
			select {
			case more, ok := <-in:
				if !ok {
					break drain
				}
				batch = append(batch, more)
			default:
				break drain
			}
		}
		if pause > 0 {
			gather(in, &batch, writers, wait, pause)
		}
		var outs []Outcome
		var next []int64
		for _, b := range batch {
			if b.done != nil {
				outs = append(outs, *b.done)
			}
			if b.next != 0 {
				next = append(next, b.next)
			}
		}
		began := time.Now()
		err := s.store.Record(ctx, outs, next, s.at())
		lastCommit = time.Since(began)
		for _, b := range batch {
			b.reply <- err
		}
	}
}

// sendBatch sends recipients over the pool's connections and returns how
// many the server took.
func (s *Service) sendBatch(ctx context.Context, c Campaign, tpl *Compiled, variants map[int]*Compiled, rs []Recipient,
	pool *connPool, owner string) (int, error) {
	if len(rs) == 0 {
		return 0, nil
	}
	// The lease is renewed while the batch goes; losing it stops the batch
	// after the messages in flight.
	var lost sync.Once
	lostLease := make(chan struct{})
	renew := time.NewTicker(s.lease() / 3)
	defer renew.Stop()
	batchDone := make(chan struct{})
	defer close(batchDone)
	go func() {
		for {
			select {
			case <-batchDone:
				return
			case <-renew.C:
				if ok, err := s.store.TakeLease(ctx, c.ID, owner, s.at(), s.at().Add(s.lease())); err != nil || !ok {
					lost.Do(func() { close(lostLease) })
					return
				}
			}
		}
	}()
	queue := make(chan Recipient)
	writes := make(chan ledgerWrite)
	conns := min(defaultConns, len(rs))
	go s.recorder(ctx, writes, conns)
	defer close(writes)
	var wg sync.WaitGroup
	var mu sync.Mutex
	sent, failures := 0, 0
	var firstErr error
	record := func(done *Outcome, next int64) error {
		reply := make(chan error, 1)
		writes <- ledgerWrite{done: done, next: next, reply: reply}
		return <-reply
	}
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := pool.get(ctx)
			if err != nil {
				mu.Lock()
				firstErr = fmt.Errorf("connect to the mail server: %w", err)
				mu.Unlock()
				return
			}
			m, ok := <-queue
			if !ok {
				pool.put(conn)
				return
			}
			if err := record(nil, m.MessageID); err != nil {
				mu.Lock()
				firstErr = err
				mu.Unlock()
				return
			}
			for {
				out := Outcome{MessageID: m.MessageID}
				written := tpl
				if v, ok := variants[m.Variant]; ok {
					written = v
				}
				if err := conn.deliver(ctx, s, c, written, m); err != nil {
					out.Err = err.Error()
					// A broken connection is replaced for the next message.
					_ = conn.Close()
					if conn, err = pool.open(ctx); err != nil {
						conn = nil
					}
				}
				mu.Lock()
				if out.Err == "" {
					sent++
					failures = 0
				} else {
					failures++
				}
				stop := firstErr != nil || failures >= maxSendErrors || conn == nil
				select {
				case <-lostLease:
					stop = true
					if firstErr == nil {
						firstErr = fmt.Errorf("the campaign's lease was lost; another run carries on")
					}
				default:
				}
				mu.Unlock()
				var next Recipient
				more := false
				if !stop {
					next, more = <-queue
				}
				var nextID int64
				if more {
					nextID = next.MessageID
				}
				if err := record(&out, nextID); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					stop = true
				}
				if stop {
					// What is left stays queued (or, for a row already marked,
					// sending) for the next run.
					go func() {
						for range queue {
						}
					}()
					break
				}
				if !more {
					break
				}
				m = next
			}
			if conn != nil {
				pool.put(conn)
			}
		}()
	}
	for _, r := range rs {
		queue <- r
	}
	close(queue)
	wg.Wait()
	if failures >= maxSendErrors && firstErr == nil {
		firstErr = fmt.Errorf("%d messages in a row were refused; the campaign waits for the next run", failures)
	}
	return sent, firstErr
}

// message writes a recipient's email: personalised, links tracked, with
// one-click unsubscribe headers.
func (s *Service) message(ctx context.Context, c Campaign, tpl *Compiled, r Recipient) (mail.Rich, error) {
	products, err := s.productsFor(ctx, tpl, r.CustomerID)
	if err != nil {
		return mail.Rich{}, fmt.Errorf("marketing: products for customer %d: %w", r.CustomerID, err)
	}
	unsub := s.trackURL(r.MessageID, kindUnsubscribe, 0)
	links := func(i int, target string) string {
		if i == ProductLink {
			return s.productURL(r.MessageID, target)
		}
		return s.trackURL(r.MessageID, kindClick, i)
	}
	prefs := ""
	if s.BaseURL != "" {
		prefs = strings.TrimRight(s.BaseURL, "/") + "/portal/preferences"
	}
	out := tpl.RenderTracked(r.Fields, products, links, unsub, prefs, s.trackURL(r.MessageID, kindOpen, 0))
	return mail.Rich{To: r.Email, EnvelopeFrom: s.BounceAddress(r.MessageID), Subject: out.Subject, Text: out.Text, HTML: out.HTML, Headers: map[string]string{
		"List-Unsubscribe":      "<" + unsub + ">",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		"X-SCRMS-Campaign":      strconv.FormatInt(c.ID, 10),
	}}, nil
}
