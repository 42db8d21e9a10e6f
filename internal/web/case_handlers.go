package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
	"github.com/scrms/scrms/internal/support"
)

// CasesPage is an agent's inbox or a queue's view.
type CasesPage struct {
	Base
	Cases       []support.Case
	Queues      []support.Queue
	View        string // mine, queue, unassigned, breached, all
	QueueID     int64
	Status      string
	AgentStatus string
	Types       []string
	CanWrite    bool
	Now         time.Time
}

// CasePage shows one case: its thread, SLA timers and actions.
type CasePage struct {
	Base
	Case       support.Case
	Messages   []support.Message
	Timers     []support.Timer
	Queues     []support.Queue
	Types      []string
	Others     []string // other agents looking at the case now
	Articles   []support.Article
	PublicBase string // the installation's URL, for links put in replies
	CanWrite   bool
	Macros     []support.Macro
	MacroID    int64
	// ReplyText and ReplyStatus pre-fill the reply from a chosen macro.
	ReplyText   string
	ReplyStatus string
}

// presence remembers who has a case open, for the collision warning.
type presence struct {
	mu   sync.Mutex
	seen map[int64]map[string]time.Time // case -> viewer name -> last seen
}

var viewers = &presence{seen: map[int64]map[string]time.Time{}}

// visit records a viewer and returns the others seen in the last two minutes.
func (p *presence) visit(caseID int64, name string, now time.Time) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.seen[caseID]
	if m == nil {
		m = map[string]time.Time{}
		p.seen[caseID] = m
	}
	m[name] = now
	var others []string
	for n, at := range m {
		if now.Sub(at) > 2*time.Minute {
			delete(m, n)
		} else if n != name {
			others = append(others, n)
		}
	}
	slices.Sort(others)
	return others
}

func (s *site) casesPage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	q := r.URL.Query()
	view := q.Get("view")
	if view == "" {
		view = "mine"
	}
	f := support.CaseFilter{Status: q.Get("status"), Limit: 200}
	if f.Status == "" {
		f.Status = "active"
	}
	if f.Status == "any" {
		f.Status = ""
	}
	queueID, _ := strconv.ParseInt(q.Get("queue"), 10, 64)
	switch view {
	case "mine":
		f.AssigneeID = a.UserID
	case "unassigned":
		f.Unassigned = true
	case "breached":
		f.Breached = true
	}
	f.QueueID = queueID
	cs, err := s.Support.ListCases(r.Context(), a, f)
	if err != nil {
		return err
	}
	qs, err := s.Support.Queues(r.Context(), a)
	if err != nil {
		return err
	}
	p := CasesPage{Base: s.pageBase(w, r, a, "Cases", "service"), Cases: cs, Queues: qs, View: view, QueueID: queueID,
		Status: q.Get("status"), AgentStatus: s.Support.AgentStatus(r.Context(), a), Types: s.Support.CaseTypes(r.Context()),
		CanWrite: a.Can(auth.CaseWrite), Now: time.Now()}
	p.Help = "service"
	return render(w, r, http.StatusOK, casesPage(p))
}

func (s *site) caseCreate(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	customerID, _ := strconv.ParseInt(r.PostFormValue("customer_id"), 10, 64)
	subject, typ, prio := r.PostFormValue("subject"), r.PostFormValue("type"), r.PostFormValue("priority")
	in := support.CaseInput{Subject: &subject, Type: &typ, Priority: &prio, CustomerID: &customerID,
		Description: r.PostFormValue("description"), Channel: r.PostFormValue("channel"),
		RecordingURL: r.PostFormValue("recording_url")}
	if qid, err := strconv.ParseInt(r.PostFormValue("queue_id"), 10, 64); err == nil && qid > 0 {
		in.QueueID = &qid
	}
	back := r.PostFormValue("back")
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") {
		back = "/cases"
	}
	c, err := s.Support.CreateCase(r.Context(), a, in)
	if err != nil {
		if _, msg := fieldErrors(err); msg != "" {
			return s.redirect(w, r, back, "The case was not opened: "+fieldText(err))
		}
		return err
	}
	return s.redirect(w, r, "/cases/"+itoa(c.ID), fmt.Sprintf("Case %d opened.", c.ID))
}

func (s *site) casePage(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Support.FindCase(r.Context(), a, id)
	if err != nil {
		return err
	}
	msgs, err := s.Support.Messages(r.Context(), a, id)
	if err != nil {
		return err
	}
	qs, err := s.Support.Queues(r.Context(), a)
	if err != nil {
		return err
	}
	p := CasePage{Base: s.pageBase(w, r, a, fmt.Sprintf("Case %d: %s", c.ID, c.Subject), "service"), Case: c,
		Messages: msgs, Timers: s.Support.Timers(r.Context(), c), Queues: qs, Types: s.Support.CaseTypes(r.Context()),
		Others: viewers.visit(id, a.Name, time.Now()), CanWrite: a.Can(auth.CaseWrite)}
	p.PublicBase = strings.TrimRight(s.BaseURL, "/")
	if p.CanWrite {
		if p.Macros, err = s.Support.Macros(r.Context(), a); err != nil {
			return err
		}
		if mid, _ := strconv.ParseInt(r.URL.Query().Get("macro"), 10, 64); mid > 0 {
			if p.ReplyText, p.ReplyStatus, err = s.Support.ApplyMacro(r.Context(), a, mid, id); err != nil {
				return err
			}
			p.MacroID = mid
		}
	}
	for _, m := range msgs {
		if m.Inbound {
			if p.Articles, err = s.Support.SuggestArticles(r.Context(), a, c, m.Body, 3); err != nil {
				return err
			}
			break
		}
	}
	p.Help = "service"
	return render(w, r, http.StatusOK, casePage(p))
}

// caseViewers answers the case page's poll with who else has it open.
func (s *site) caseViewers(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Support.FindCase(r.Context(), a, id); err != nil {
		return err
	}
	others := viewers.visit(id, a.Name, time.Now())
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if len(others) > 0 {
		fmt.Fprintf(w, "%s also has this case open.", strings.Join(others, ", "))
	}
	return nil
}

func (s *site) caseReply(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	back := "/cases/" + itoa(id)
	in := support.ReplyInput{Body: r.PostFormValue("body"), Internal: r.PostFormValue("internal") == "on",
		Status: r.PostFormValue("status"), Channel: r.PostFormValue("channel")}
	if _, err := s.Support.Reply(r.Context(), a, id, in); err != nil {
		if _, msg := fieldErrors(err); msg != "" {
			return s.redirect(w, r, back, "Not sent: "+fieldText(err))
		}
		return err
	}
	if in.Internal {
		return s.redirect(w, r, back, "Note added.")
	}
	return s.redirect(w, r, back, "Reply sent.")
}

func (s *site) caseUpdate(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	back := "/cases/" + itoa(id)
	var in support.CaseInput
	str := func(name string) *string {
		if _, ok := r.PostForm[name]; !ok {
			return nil
		}
		v := r.PostFormValue(name)
		return &v
	}
	num := func(name string) *int64 {
		if _, ok := r.PostForm[name]; !ok {
			return nil
		}
		v, _ := strconv.ParseInt(r.PostFormValue(name), 10, 64)
		return &v
	}
	if err := r.ParseForm(); err != nil {
		return err
	}
	in.Status, in.Priority, in.Type, in.Category = str("status"), str("priority"), str("type"), str("category")
	in.ResolutionCode, in.RootCause, in.ProductSKU = str("resolution_code"), str("root_cause"), str("product_sku")
	in.QueueID, in.AssigneeID = num("queue_id"), num("assignee_id")
	if r.PostFormValue("take") == "1" {
		me := a.UserID
		in.AssigneeID = &me
	}
	if _, err := s.Support.UpdateCase(r.Context(), a, id, in); err != nil {
		if _, msg := fieldErrors(err); msg != "" {
			return s.redirect(w, r, back, "Not saved: "+fieldText(err))
		}
		return err
	}
	return s.redirect(w, r, back, "Case updated.")
}

func (s *site) agentStatus(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	if err := s.Support.SetAgentStatus(r.Context(), a, r.PostFormValue("status")); err != nil {
		return err
	}
	return s.redirect(w, r, "/cases", "You are "+r.PostFormValue("status")+".")
}

func (s *site) caseFile(w http.ResponseWriter, r *http.Request, a auth.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	at, err := s.Support.Attachment(r.Context(), a, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`,
		strings.NewReplacer(`"`, "", "\r", "", "\n", "").Replace(at.Name)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write(at.Data)
	return err
}

// timerText says how an SLA target stands, for people.
func timerText(t support.Timer) string {
	label := map[string]string{support.FirstResponse: "First response", support.NextResponse: "Next response",
		support.Resolution: "Resolution"}[t.Metric]
	switch {
	case !t.Met.IsZero() && t.Breached:
		return fmt.Sprintf("%s: met late (%s over)", label, span(-t.Left))
	case !t.Met.IsZero():
		return fmt.Sprintf("%s: met with %s to spare", label, span(t.Left))
	case t.Breached:
		return fmt.Sprintf("%s: overdue by %s", label, span(-t.Left))
	case t.Paused:
		return fmt.Sprintf("%s: paused, %s left", label, span(t.Left))
	default:
		return fmt.Sprintf("%s: %s left (due %s)", label, span(t.Left), when(t.Due))
	}
}

func span(d time.Duration) string {
	d = d.Round(time.Minute)
	if d < time.Hour {
		return fmt.Sprintf("%d min", int(d.Minutes()))
	}
	h := int(d.Hours())
	if h < 48 {
		return fmt.Sprintf("%d h %02d min", h, int(d.Minutes())%60)
	}
	return fmt.Sprintf("%d days %d h", h/24, h%24)
}

func timerClass(t support.Timer) string {
	switch {
	case t.Breached:
		return "timer breached"
	case t.Met.IsZero() && !t.Paused && t.Left < 30*time.Minute:
		return "timer soon"
	default:
		return "timer"
	}
}

// caseBreached reports whether an open case is past a target, for lists.
func caseBreached(c support.Case, now time.Time) bool {
	if !c.Active() || c.Status == support.StatusPending {
		return false
	}
	past := func(t time.Time) bool { return !t.IsZero() && t.Before(now) }
	return (past(c.FirstResponseDue) && c.FirstRespondedAt.IsZero()) || past(c.NextResponseDue) || past(c.ResolutionDue)
}

func msgLabel(m support.Message) string {
	switch {
	case m.Internal:
		return "Internal note"
	case m.Auto:
		return "Sent automatically"
	case m.Inbound:
		return map[string]string{support.MsgEmailIn: "Email from the customer", support.MsgChat: "Chat",
			support.MsgPhone: "Phone call", support.MsgSocial: "Social message", support.MsgWeb: "Web form",
			support.MsgPortal: "Portal"}[m.Kind]
	default:
		return map[string]string{support.MsgEmailOut: "Email reply", support.MsgChat: "Chat reply",
			support.MsgPhone: "Call", support.MsgSocial: "Social reply"}[m.Kind]
	}
}

func msgClass(m support.Message) string {
	switch {
	case m.Internal:
		return "msg note"
	case m.Inbound:
		return "msg in"
	default:
		return "msg out"
	}
}

func joinNames(names []string) string { return strings.Join(names, ", ") }

// SurveyPage is the public page where a customer answers a survey.
type SurveyPage struct {
	Base
	Survey    support.Survey
	Questions []support.Question // a custom survey's
	Answers   map[string]string
	Answered  bool
	Error     string
}

// surveyAnswer records a score from an email link (GET with ?score=) or the
// page's form (POST), and shows the page with a comment box.
func (s *site) surveyAnswer(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	sv, err := s.Support.Survey(r.Context(), token)
	if err != nil {
		return err
	}
	p := SurveyPage{Base: s.pageBase(w, r, auth.Actor{}, "How did we do?", ""), Survey: sv, Answers: sv.Answers}
	w.Header().Set("Referrer-Policy", "no-referrer")
	if sv.Kind == "custom" {
		return s.customSurvey(w, r, p)
	}
	scoreText := r.FormValue("score")
	if scoreText == "" && sv.Score >= 0 {
		scoreText = strconv.Itoa(sv.Score)
	}
	if scoreText != "" {
		score, perr := strconv.Atoi(scoreText)
		if perr != nil {
			score = -1
		}
		comment := sv.Comment
		if r.Method == http.MethodPost {
			comment = r.PostFormValue("comment")
		}
		got, err := s.Support.AnswerSurvey(r.Context(), token, score, comment)
		if err != nil {
			if _, msg := fieldErrors(err); msg != "" || fault.Is(err, fault.Conflict) {
				p.Error = fieldText(err)
				return render(w, r, http.StatusUnprocessableEntity, surveyPage(p))
			}
			return err
		}
		p.Survey, p.Answered = got, true
	}
	return render(w, r, http.StatusOK, surveyPage(p))
}

// customSurvey shows a custom survey's questions and records the answers.
func (s *site) customSurvey(w http.ResponseWriter, r *http.Request, p SurveyPage) error {
	qs, err := s.Support.SurveyQuestions(r.Context(), p.Survey)
	if err != nil {
		return err
	}
	p.Questions, p.Answered = qs, !p.Survey.AnsweredAt.IsZero()
	if r.Method == http.MethodPost {
		answers := map[string]string{}
		for _, q := range qs {
			answers[q.ID] = r.PostFormValue(q.ID)
		}
		got, err := s.Support.AnswerCustomSurvey(r.Context(), p.Survey.Token, answers)
		if err != nil {
			if _, msg := fieldErrors(err); msg != "" || fault.Is(err, fault.Conflict) {
				p.Error, p.Answers, p.Answered = fieldText(err), answers, false
				return render(w, r, http.StatusUnprocessableEntity, surveyPage(p))
			}
			return err
		}
		p.Survey, p.Answers, p.Answered = got, got.Answers, true
	}
	return render(w, r, http.StatusOK, surveyPage(p))
}

func questionScores(q support.Question) []int {
	lo, hi := 1, 5
	if q.Type == "score10" {
		lo, hi = 0, 10
	}
	var out []int
	for i := lo; i <= hi; i++ {
		out = append(out, i)
	}
	return out
}

func scoreRange(sv support.Survey) []int {
	var out []int
	lo := 1
	if sv.Kind == "nps" {
		lo = 0
	}
	for i := lo; i <= sv.Max(); i++ {
		out = append(out, i)
	}
	return out
}

// HelpCentrePage is the public help centre: search and categories.
type HelpCentrePage struct {
	Base
	Query      string
	Category   string
	Categories []string
	Articles   []support.Article
}

// ArticlePage is one public article.
type ArticlePage struct {
	Base
	Article support.Article
	Voted   bool
}

func (s *site) helpCentre(w http.ResponseWriter, r *http.Request) error {
	q, cat := strings.TrimSpace(r.URL.Query().Get("q")), r.URL.Query().Get("category")
	all, err := s.Support.HelpCentre(r.Context(), "", "")
	if err != nil {
		return err
	}
	p := HelpCentrePage{Base: s.pageBase(w, r, auth.Actor{}, "Help centre", ""), Query: q, Category: cat}
	for _, a := range all {
		if a.Category != "" && !slices.Contains(p.Categories, a.Category) {
			p.Categories = append(p.Categories, a.Category)
		}
	}
	if p.Articles, err = s.Support.HelpCentre(r.Context(), q, cat); err != nil {
		return err
	}
	return render(w, r, http.StatusOK, helpCentrePage(p))
}

func (s *site) helpArticle(w http.ResponseWriter, r *http.Request) error {
	art, err := s.Support.PublicArticle(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	p := ArticlePage{Base: s.pageBase(w, r, auth.Actor{}, art.PublishedTitle, ""), Article: art,
		Voted: r.URL.Query().Get("voted") == "1"}
	return render(w, r, http.StatusOK, articlePage(p))
}

func (s *site) helpVote(w http.ResponseWriter, r *http.Request) error {
	slug := r.PathValue("slug")
	if err := s.Support.VoteArticle(r.Context(), slug, r.PostFormValue("helpful") == "yes"); err != nil {
		return err
	}
	http.Redirect(w, r, "/help/articles/"+slug+"?voted=1", http.StatusSeeOther)
	return nil
}
