package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// sink is a counting SMTP server: it takes every message, checks that it
// was written for its recipient, and keeps only counts.
type sink struct {
	mu         sync.Mutex
	messages   int
	bytes      int64
	recipients map[string]int
	wrong      int // messages not personalised for their recipient
}

type sinkSession struct {
	s  *sink
	to string
}

func (s *sink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }

func (x *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (x *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = to
	return nil
}
func (x *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	// The template writes the address into the text; quoted-printable may
	// break the line, so the check joins soft line breaks first.
	ok := bytes.Contains(bytes.ReplaceAll(b, []byte("=\r\n"), nil), []byte("written for "+x.to))
	x.s.mu.Lock()
	x.s.messages++
	x.s.bytes += int64(len(b))
	x.s.recipients[x.to]++
	if !ok {
		x.s.wrong++
	}
	x.s.mu.Unlock()
	return nil
}
func (x *sinkSession) Reset()        { x.to = "" }
func (x *sinkSession) Logout() error { return nil }

func startSink() (*sink, string, func(), error) {
	s := &sink{recipients: map[string]int{}}
	srv := smtp.NewServer(s)
	srv.Domain = "sink.local"
	srv.AllowInsecureAuth = true
	srv.MaxMessageBytes = 1 << 20
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", nil, err
	}
	go srv.Serve(ln)
	return s, ln.Addr().String(), func() { srv.Close() }, nil
}

// cpuTicks is the user and system time a process has used, in clock ticks
// (1/100 s on Linux).
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return utime + stime, nil
}

// campaignText is about 2 KB of text: with its HTML part beside the plain
// one, each message is about 5 KB.
func campaignText() string {
	var b strings.Builder
	b.WriteString("Hello {{first_name}},\n\n")
	for i := 0; b.Len() < 2000; i++ {
		fmt.Fprintf(&b, "Paragraph %d of this month's news: new kettles, mugs and teapots arrived, the shop in "+
			"{{#if city}}{{city}}{{else}}your town{{/if}} has longer opening hours, and members save on delivery.\n\n", i+1)
	}
	b.WriteString("This email was written for {{email}}.")
	return b.String()
}

// campaignRows sends a personalised campaign to every consenting customer
// through a server started with the jobs running and a counting sink as its
// mail server, and measures messages per second, server CPU per message
// and memory, and what the sink received.
func campaignRows(o options, bin string, env []string, token string) ([]row, error) {
	sk, sinkAddr, stopSink, err := startSink()
	if err != nil {
		return nil, err
	}
	defer stopSink()
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(o.dir, "serve-campaign.log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	srv := exec.Command(bin, "serve", "--addr", addr)
	srv.Env = append(env, "SCRMS_JOBS=true", "SCRMS_SMTP_URL=smtp://"+sinkAddr+"?tls=none",
		"SCRMS_MAIL_FROM=Bench Shop <news@bench.example>")
	srv.Stdout, srv.Stderr = logf, logf
	if err := srv.Start(); err != nil {
		return nil, err
	}
	defer func() {
		_ = srv.Process.Signal(os.Interrupt)
		_ = srv.Wait()
	}()
	base := "http://" + addr
	if err := waitReady(base); err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: 10 * time.Minute}
	call := func(method, path string, body any) (map[string]any, error) {
		var rd io.Reader
		if body != nil {
			buf, _ := json.Marshal(body)
			rd = bytes.NewReader(buf)
		}
		req, _ := http.NewRequest(method, base+"/api/v1"+path, rd)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		var out map[string]any
		raw, _ := io.ReadAll(res.Body)
		_ = json.Unmarshal(raw, &out)
		if res.StatusCode >= 300 {
			return nil, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, raw)
		}
		return out, nil
	}
	run := time.Now().UnixNano()
	seg, err := call("POST", "/segments", map[string]any{"name": fmt.Sprintf("Bench consenting %d", run), "text": `consent = "email"`})
	if err != nil {
		return nil, err
	}
	tpl, err := call("POST", "/templates", map[string]any{"name": fmt.Sprintf("Bench news %d", run),
		"subject": "{{first_name}}, this month's news", "blocks": []map[string]any{
			{"type": "heading", "text": "This month at the shop"},
			{"type": "text", "text": campaignText()},
			{"type": "button", "text": "Visit the shop", "url": "https://shop.example/news"}}})
	if err != nil {
		return nil, err
	}
	camp, err := call("POST", "/campaigns", map[string]any{"name": fmt.Sprintf("Bench %d", run),
		"template_id": tpl["id"], "segment_id": seg["id"]})
	if err != nil {
		return nil, err
	}
	id := int64(camp["id"].(float64))
	cpu0, err := cpuTicks(srv.Process.Pid)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "sending campaign %d to %.0f consenting customers…\n", id, seg["member_count"].(float64))
	start := time.Now()
	if _, err := call("POST", fmt.Sprintf("/campaigns/%d/send", id), nil); err != nil {
		return nil, err
	}
	for {
		time.Sleep(100 * time.Millisecond)
		c, err := call("GET", fmt.Sprintf("/campaigns/%d", id), nil)
		if err != nil {
			return nil, err
		}
		if c["status"] == "sent" {
			break
		}
		if time.Since(start) > 30*time.Minute {
			return nil, fmt.Errorf("campaign not sent after 30 minutes: %v", c)
		}
	}
	took := time.Since(start)
	stats, err := call("GET", fmt.Sprintf("/campaigns/%d/stats", id), nil)
	if err != nil {
		return nil, err
	}
	cpu1, err := cpuTicks(srv.Process.Pid)
	if err != nil {
		return nil, err
	}
	rss, err := peakRSS(srv.Process.Pid)
	if err != nil {
		return nil, err
	}
	sent := int(stats["sent"].(float64))
	sk.mu.Lock()
	received, distinct, wrong, size := sk.messages, len(sk.recipients), sk.wrong, sk.bytes
	sk.mu.Unlock()
	rate := float64(sent) / took.Seconds()
	cpuMS := float64(cpu1-cpu0) * 10 / float64(max(sent, 1))
	return []row{
		{fmt.Sprintf("campaign, %d recipients, ~%d KB each, 8 SMTP connections (listing included)", sent, size/int64(max(received, 1))/1024),
			fmt.Sprintf("%.0f msg/s (%.1f s)", rate, took.Seconds()), "≥ 4,000 msg/s", verdict(rate >= 4000)},
		{"campaign: server CPU per message", fmt.Sprintf("%.3f ms", cpuMS), "≤ 0.15 ms", verdict(cpuMS <= 0.15)},
		{"campaign: sink received / distinct / not personalised", fmt.Sprintf("%d / %d / %d", received, distinct, wrong),
			fmt.Sprintf("%d / %d / 0", sent, sent), verdict(received == sent && distinct == sent && wrong == 0)},
		{"campaign: server peak RSS (VmHWM)", fmt.Sprintf("%d MB", rss/1024), "< 300 MB", verdict(rss/1024 < 300)},
	}, nil
}

// segmentRows counts segments of three conditions over the whole base
// through the API's preview (no sample), and reports the latencies.
func (b *bench) segmentRows(n int) ([]row, error) {
	rules := []string{
		`stage = "customer" and consent = "email" and created_days <= 3650`,
		`tag = "vip" and orders >= 1 and country = "GB"`,
		`consent = "email" and kind = "person" and not tag = "vip"`,
		`stage = "lead" and owner > 0 and created_days > 30`,
	}
	var lat []time.Duration
	for i := range n {
		buf, _ := json.Marshal(map[string]any{"text": rules[i%len(rules)]})
		req, _ := http.NewRequest("POST", b.base+"/api/v1/segments/preview?sample=0", bytes.NewReader(buf))
		req.Header.Set("Authorization", "Bearer "+b.token)
		req.Header.Set("Content-Type", "application/json")
		start := time.Now()
		res, err := b.client.Do(req)
		if err != nil {
			return nil, err
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("segment preview: %d %s", res.StatusCode, body)
		}
		lat = append(lat, time.Since(start))
	}
	p99 := pct(lat, 99)
	return []row{{"segment count over the whole base, three conditions (API preview)",
		fmt.Sprintf("p50 %s, p99 %s", ms(pct(lat, 50)), ms(p99)), "< 500 ms", verdict(p99 <= 500*time.Millisecond)}}, nil
}
