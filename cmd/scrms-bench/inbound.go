package main

import (
	"fmt"
	"math/rand/v2"
	"net/smtp"
	"os"
	"strings"
	"sync"
	"time"
)

// inboundResult is how SCRMS took a stream of emails over SMTP.
type inboundResult struct {
	latencies []time.Duration // one SMTP transaction each, connect to QUIT
	took      time.Duration
	failed    int
}

// inboundEmails sends n emails to the inbound SMTP listener at a steady
// rate (perMinute), each on its own connection as a mail server would,
// without waiting for one to finish before the next is due (an open loop,
// so that a slow answer shows as latency rather than a lower rate). About
// a third are replies that thread onto a case opened by an earlier one; the
// rest come from new senders, who are matched against the customer base.
func inboundEmails(addr, to string, n, perMinute int) inboundResult {
	rng := rand.New(rand.NewPCG(11, 11))
	gap := time.Minute / time.Duration(perMinute)
	var mu sync.Mutex
	var res inboundResult
	var wg sync.WaitGroup
	sent := []string{} // Message-IDs of earlier new-case emails
	start := time.Now()
	for i := range n {
		due := start.Add(time.Duration(i) * gap)
		time.Sleep(time.Until(due))
		id := fmt.Sprintf("<bench-%d-%d@sender.example>", i, start.UnixNano())
		from := fmt.Sprintf("sender%d@mail%d.example", i, i%50)
		subject := fmt.Sprintf("Order %d has not arrived", 10000+i)
		var extra string
		if len(sent) > 0 && rng.IntN(3) == 0 {
			parent := sent[rng.IntN(len(sent))]
			extra = "In-Reply-To: " + parent + "\r\nReferences: " + parent + "\r\n"
			subject = "Re: " + subject
		} else {
			sent = append(sent, id)
		}
		msg := "From: Bench Sender <" + from + ">\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nMessage-ID: " + id + "\r\n" +
			extra + "Date: " + time.Now().UTC().Format(time.RFC1123Z) + "\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: text/plain; charset=utf-8\r\n\r\nHello,\r\n\r\nMy parcel was due three days ago and the tracking has not moved." +
			"\r\nCan you tell me where it is?\r\n\r\n" + strings.Repeat("Thanks for your help. ", 5) + "\r\n"
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			err := smtp.SendMail(addr, nil, from, []string{to}, []byte(msg))
			d := time.Since(t0)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.failed++
				if res.failed <= 3 {
					fmt.Fprintf(os.Stderr, "inbound email %d: %v\n", i, err)
				}
				return
			}
			res.latencies = append(res.latencies, d)
		}()
	}
	wg.Wait()
	res.took = time.Since(start)
	return res
}

// inboundRows measures inbound email and returns its table rows.
func (b *bench) inboundRows(smtpAddr string, n int) ([]row, error) {
	// A queue of its own per run, so that a reused database takes another.
	run := time.Now().UnixNano()
	to := fmt.Sprintf("support-%d@bench.example", run)
	if err := b.post(1, 1, "/api/v1/queues", func(int) any {
		return map[string]any{"name": fmt.Sprintf("Bench support %d", run), "email": to}
	}); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "sending %d emails over SMTP at 1,000 a minute…\n", n)
	res := inboundEmails(smtpAddr, to, n, 1000)
	if res.failed > 0 {
		return nil, fmt.Errorf("inbound email: %d of %d refused", res.failed, n)
	}
	p99 := pct(res.latencies, 99)
	rate := float64(n) / res.took.Minutes()
	return []row{{fmt.Sprintf("inbound email over SMTP, %d messages at 1,000/min (%.0f/min reached)", n, rate),
		fmt.Sprintf("p50 %s, p99 %s", ms(pct(res.latencies, 50)), ms(p99)), "p99 < 200 ms",
		verdict(p99 <= 200*time.Millisecond && rate >= 990)}}, nil
}
