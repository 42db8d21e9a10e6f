package marketing

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// gsm7 are the characters of the GSM 03.38 default alphabet; gsm7ext
// those of its extension table, which take two places each.
const (
	gsm7    = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsm7ext = "^{}\\[~]|€\f"
)

// SMSInfo is how an SMS text travels: its encoding, length and number of
// parts (160 GSM-7 or 70 UCS-2 characters in one part, 153 or 67 per part
// when it is split).
type SMSInfo struct {
	Encoding string // GSM-7 or UCS-2
	Length   int    // in the encoding's units
	Parts    int
}

// MeasureSMS tells how a text would travel as an SMS.
func MeasureSMS(text string) SMSInfo {
	units, gsm := 0, true
	for _, r := range text {
		switch {
		case strings.ContainsRune(gsm7, r):
			units++
		case strings.ContainsRune(gsm7ext, r):
			units += 2
		default:
			gsm = false
		}
	}
	if !gsm {
		n := 0
		for _, r := range text {
			if r > 0xFFFF {
				n += 2 // a surrogate pair
			} else {
				n++
			}
		}
		info := SMSInfo{Encoding: "UCS-2", Length: n, Parts: 1}
		if n > 70 {
			info.Parts = (n + 66) / 67
		}
		return info
	}
	info := SMSInfo{Encoding: "GSM-7", Length: units, Parts: 1}
	if units > 160 {
		info.Parts = (units + 152) / 153
	}
	return info
}

// SMSSettings are the SMS provider's address, key and sender name.
type SMSSettings struct {
	URL    string // where messages are POSTed as JSON
	APIKey string // sent as a bearer token; never shown again
	From   string
}

// SetSMS stores the SMS provider settings.
func (s *Service) SetSMS(ctx context.Context, a auth.Actor, in SMSSettings) error {
	if err := a.Require(auth.UserManage); err != nil {
		return err
	}
	var f fault.Fields
	u, err := url.Parse(strings.TrimSpace(in.URL))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		f.Add("url", "must be the provider's http(s) address")
	}
	if in.APIKey == "" {
		f.Add("api_key", "is required")
	}
	if from := strings.TrimSpace(in.From); from == "" || utf8.RuneCountInString(from) > 15 {
		f.Add("from", "must be 1 to 15 characters (a name or a number)")
	}
	if err := f.Err(); err != nil {
		return err
	}
	now := s.at()
	for key, v := range map[string]string{"sms_url": u.String(), "sms_api_key": in.APIKey, "sms_from": strings.TrimSpace(in.From)} {
		e := a.Audit("update", "setting", 0, now)
		shown := v
		if key == "sms_api_key" {
			shown = "(changed)"
		}
		e.Changes = []audit.Change{{Field: key, New: shown}}
		if err := s.store.SetSetting(ctx, key, v, now, e); err != nil {
			return err
		}
	}
	return nil
}

// smsLink sends through the SMS provider's HTTP API.
type smsLink struct {
	settings SMSSettings
	client   *http.Client
}

func (s *Service) smsProvider(ctx context.Context) (smsLink, error) {
	var st SMSSettings
	for key, dst := range map[string]*string{"sms_url": &st.URL, "sms_api_key": &st.APIKey, "sms_from": &st.From} {
		v, err := s.store.Setting(ctx, key)
		if err != nil && !fault.Is(err, fault.NotFound) {
			return smsLink{}, err
		}
		*dst = v
	}
	if st.URL == "" {
		return smsLink{}, fault.New(fault.Conflict, "No SMS provider is set up (PUT /api/v1/marketing/sms).")
	}
	client := s.SMSClient
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	return smsLink{settings: st, client: client}, nil
}

func (l smsLink) deliver(ctx context.Context, s *Service, c Campaign, tpl *Compiled, r Recipient) error {
	var b strings.Builder
	render(&b, tpl.text, r.Fields, plain)
	text := strings.TrimSpace(b.String())
	if u := s.trackURL(r.MessageID, kindUnsubscribe, 0); u != "" {
		text += "\nStop: " + u
	}
	body, _ := json.Marshal(map[string]string{"from": l.settings.From, "to": r.Email, "text": text,
		"reference": strconv.FormatInt(r.MessageID, 10)})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.settings.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+l.settings.APIKey)
	res, err := l.client.Do(req)
	if err != nil {
		return fmt.Errorf("sms provider: %w", err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("sms provider answered %d", res.StatusCode)
	}
	return nil
}

func (l smsLink) Close() error { return nil }
