package app

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/sales"
)

// honeypot is the form field people never see (hidden by the form's CSS)
// and robots fill in.
const honeypot = "website"

// leadForm takes a lead posted by a web form on any site: an HTML form post
// or JSON from a script. Robots filling the honeypot get a thank-you and
// nothing is stored.
func (a *App) leadForm(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodOptions {
		w.Header().Set("Access-Control-Allow-Methods", "POST")
		w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
		w.Header().Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	isJSON := strings.HasPrefix(r.Header.Get("Content-Type"), "application/json")
	answer := func(status int, msg string) {
		if isJSON {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			body := map[string]any{"ok": status < 300}
			if status >= 300 {
				body["error"] = msg
			}
			json.NewEncoder(w).Encode(body)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "+
			"content=\"width=device-width, initial-scale=1\"><title>%s</title></head><body><p>%s</p></body></html>",
			html.EscapeString(http.StatusText(status)), html.EscapeString(msg))
	}
	if !a.forms.Allow(clientAddr(r), time.Now()) {
		w.Header().Set("Retry-After", "60")
		answer(http.StatusTooManyRequests, "Too many submissions from your address; please try again later.")
		return
	}
	fields := map[string]string{}
	body := http.MaxBytesReader(w, r.Body, 64<<10)
	if isJSON {
		raw, err := io.ReadAll(body)
		var m map[string]any
		if err == nil {
			err = json.Unmarshal(raw, &m)
		}
		if err != nil {
			answer(http.StatusBadRequest, "The form data is not a JSON object.")
			return
		}
		for k, v := range m {
			if s, ok := v.(string); ok {
				fields[k] = s
			} else if f, ok := v.(float64); ok {
				fields[k] = fmt.Sprint(f)
			}
		}
	} else {
		r.Body = body
		if err := r.ParseForm(); err != nil {
			answer(http.StatusBadRequest, "The form data could not be read.")
			return
		}
		for k := range r.PostForm {
			fields[k] = r.PostForm.Get(k)
		}
	}
	thanks := "Thank you. We will be in touch soon."
	if strings.TrimSpace(fields[honeypot]) != "" {
		answer(http.StatusCreated, thanks)
		return
	}
	first, last := fields["first_name"], fields["last_name"]
	if first == "" && last == "" && fields["name"] != "" {
		parts := strings.Fields(fields["name"])
		first, last = parts[0], strings.Join(parts[1:], " ")
	}
	l := sales.Lead{FirstName: first, LastName: last, Company: fields["company"], JobTitle: fields["job_title"],
		Email: fields["email"], Phone: fields["phone"], Country: fields["country"], Message: fields["message"],
		Campaign: fields["campaign"], UTM: sales.UTM{Source: fields["utm_source"], Medium: fields["utm_medium"],
			Campaign: fields["utm_campaign"], Term: fields["utm_term"], Content: fields["utm_content"]}}
	lead, err := a.Leads.FormLead(r.Context(), r.PathValue("key"), l)
	if err != nil {
		e, ok := fault.As(err)
		switch {
		case ok && e.Code == fault.NotFound:
			answer(http.StatusNotFound, e.Message)
		case ok && e.Code == fault.Invalid:
			var parts []string
			for _, f := range e.Fields {
				parts = append(parts, f.Field+": "+f.Message)
			}
			answer(http.StatusUnprocessableEntity, "Please check the form: "+strings.Join(parts, "; ")+".")
		default:
			a.Log.Error("lead form", "err", err)
			answer(http.StatusInternalServerError, "The form could not be sent; please try again later.")
		}
		return
	}
	// A customer who sent a form (known by the address) may start journeys.
	if email := strings.ToLower(strings.TrimSpace(fields["email"])); email != "" {
		if id, err := a.Store.CustomerByEmail(r.Context(), email); err == nil && id != 0 {
			a.publish(r.Context(), "form.submitted", map[string]any{"customer_id": id, "lead_id": lead.ID,
				"form": r.PathValue("key")})
		}
	}
	answer(http.StatusCreated, thanks)
}

// clientAddr is the peer address without its port.
func clientAddr(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}
