package support

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/scrms/scrms/internal/audit"
	"github.com/scrms/scrms/internal/auth"
	"github.com/scrms/scrms/internal/fault"
)

// Article is a knowledge-base article: the draft agents edit and the
// version customers (if public) and agents read once it is published.
type Article struct {
	ID             int64
	Slug           string
	Category       string
	Title          string // the draft's
	Body           string
	Public         bool
	Version        int // how often it was published; 0: never
	PublishedTitle string
	PublishedBody  string
	PublishedAt    time.Time
	HelpfulYes     int
	HelpfulNo      int
	CreatedBy      int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Published reports whether the article has a published version.
func (a Article) Published() bool { return a.Version > 0 }

// Draft reports whether the draft differs from the published version.
func (a Article) Draft() bool { return a.Title != a.PublishedTitle || a.Body != a.PublishedBody }

// KBStore keeps the knowledge base.
type KBStore interface {
	CreateArticle(ctx context.Context, a Article, e audit.Entry) (int64, error)
	UpdateArticle(ctx context.Context, id int64, change func(cur Article) (Article, audit.Entry, error)) (Article, error)
	FindArticle(ctx context.Context, id int64, slug string) (Article, error)
	// Articles lists articles; published and public narrow it for the help centre.
	Articles(ctx context.Context, published, public bool) ([]Article, error)
	VoteArticle(ctx context.Context, id int64, helpful bool) error
}

// ArticleInput is a new article or changes to its draft.
type ArticleInput struct {
	Title    *string
	Body     *string
	Category *string
	Public   *bool
}

var slugStrip = regexp.MustCompile(`[^a-z0-9]+`)

func slugOf(title string) string {
	s := strings.Trim(slugStrip.ReplaceAllString(strings.ToLower(title), "-"), "-")
	if len(s) > 80 {
		s = strings.TrimRight(s[:80], "-")
	}
	if s == "" {
		s = "article"
	}
	return s
}

func validArticle(a Article) error {
	var f fault.Fields
	if strings.TrimSpace(a.Title) == "" || len(a.Title) > 200 {
		f.Add("title", "must be 1 to 200 characters")
	}
	if strings.TrimSpace(a.Body) == "" || len(a.Body) > 200000 {
		f.Add("body", "must be 1 to 200,000 characters")
	}
	if len(a.Category) > 100 {
		f.Add("category", "must be at most 100 characters")
	}
	return f.Err()
}

// CreateArticle starts an article as a draft.
func (s *Service) CreateArticle(ctx context.Context, a auth.Actor, in ArticleInput) (Article, error) {
	if err := a.Require(auth.CaseWrite); err != nil {
		return Article{}, err
	}
	now := s.at()
	art := Article{CreatedBy: a.UserID, CreatedAt: now, UpdatedAt: now}
	in.apply(&art)
	if err := validArticle(art); err != nil {
		return Article{}, err
	}
	art.Slug = slugOf(art.Title)
	for i := 2; ; i++ {
		id, err := s.store.CreateArticle(ctx, art, a.Audit("create", "kb_article", 0, now))
		if fault.Is(err, fault.Conflict) && i < 50 {
			art.Slug = slugOf(art.Title) + "-" + strconv.Itoa(i)
			continue
		}
		if err != nil {
			return Article{}, err
		}
		return s.store.FindArticle(ctx, id, "")
	}
}

func (in ArticleInput) apply(a *Article) {
	if in.Title != nil {
		a.Title = strings.TrimSpace(*in.Title)
	}
	if in.Body != nil {
		a.Body = strings.TrimSpace(*in.Body)
	}
	if in.Category != nil {
		a.Category = strings.TrimSpace(*in.Category)
	}
	if in.Public != nil {
		a.Public = *in.Public
	}
}

// UpdateArticle changes an article's draft (and whether it is public).
func (s *Service) UpdateArticle(ctx context.Context, a auth.Actor, id int64, in ArticleInput) (Article, error) {
	if err := a.Require(auth.CaseWrite); err != nil {
		return Article{}, err
	}
	return s.store.UpdateArticle(ctx, id, func(cur Article) (Article, audit.Entry, error) {
		next := cur
		in.apply(&next)
		if err := validArticle(next); err != nil {
			return cur, audit.Entry{}, err
		}
		next.UpdatedAt = s.at()
		e := a.Audit("update", "kb_article", id, next.UpdatedAt)
		if cur.Public != next.Public {
			e.Changes = append(e.Changes, audit.Change{Field: "public", Old: boolText(cur.Public), New: boolText(next.Public)})
		}
		return next, e, nil
	})
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// PublishArticle makes the draft the published version.
func (s *Service) PublishArticle(ctx context.Context, a auth.Actor, id int64) (Article, error) {
	if err := a.Require(auth.ServiceAdmin); err != nil {
		return Article{}, err
	}
	return s.store.UpdateArticle(ctx, id, func(cur Article) (Article, audit.Entry, error) {
		next := cur
		next.PublishedTitle, next.PublishedBody, next.Version = cur.Title, cur.Body, cur.Version+1
		next.PublishedAt, next.UpdatedAt = s.at(), s.at()
		e := a.Audit("publish", "kb_article", id, next.PublishedAt)
		e.Changes = []audit.Change{{Field: "version", Old: strconv.Itoa(cur.Version), New: strconv.Itoa(next.Version)}}
		return next, e, nil
	})
}

// Article returns an article for an agent (any state).
func (s *Service) Article(ctx context.Context, a auth.Actor, id int64) (Article, error) {
	if err := a.Require(auth.CaseRead); err != nil {
		return Article{}, err
	}
	return s.store.FindArticle(ctx, id, "")
}

// Articles lists every article for agents.
func (s *Service) Articles(ctx context.Context, a auth.Actor) ([]Article, error) {
	if err := a.Require(auth.CaseRead); err != nil {
		return nil, err
	}
	return s.store.Articles(ctx, false, false)
}

// PublicArticle returns a published public article by its slug.
func (s *Service) PublicArticle(ctx context.Context, slug string) (Article, error) {
	art, err := s.store.FindArticle(ctx, 0, slug)
	if err != nil || !art.Public || !art.Published() {
		return Article{}, fault.New(fault.NotFound, "This article does not exist.")
	}
	return art, nil
}

// HelpCentre returns the published public articles matching a search (all
// when empty), best first, optionally of one category.
func (s *Service) HelpCentre(ctx context.Context, query, category string) ([]Article, error) {
	arts, err := s.store.Articles(ctx, true, true)
	if err != nil {
		return nil, err
	}
	if category != "" {
		arts = slices.DeleteFunc(arts, func(a Article) bool { return !strings.EqualFold(a.Category, category) })
	}
	if strings.TrimSpace(query) == "" {
		return arts, nil
	}
	return rankArticles(arts, query, 20), nil
}

// VoteArticle records a reader's "was this helpful?" answer.
func (s *Service) VoteArticle(ctx context.Context, slug string, helpful bool) error {
	art, err := s.PublicArticle(ctx, slug)
	if err != nil {
		return err
	}
	return s.store.VoteArticle(ctx, art.ID, helpful)
}

// SuggestArticles finds published articles that may answer a case, from
// the words of its subject and first message.
func (s *Service) SuggestArticles(ctx context.Context, a auth.Actor, c Case, text string, n int) ([]Article, error) {
	if err := a.Require(auth.CaseRead); err != nil {
		return nil, err
	}
	arts, err := s.store.Articles(ctx, true, false)
	if err != nil {
		return nil, err
	}
	return rankArticles(arts, c.Subject+" "+text, n), nil
}

// stopWords are words too common to say what a text is about.
var stopWords = map[string]bool{"the": true, "and": true, "for": true, "you": true, "your": true, "with": true,
	"have": true, "this": true, "that": true, "not": true, "are": true, "was": true, "but": true, "can": true,
	"how": true, "what": true, "my": true, "is": true, "it": true, "to": true, "of": true, "in": true, "on": true,
	"a": true, "an": true, "i": true, "me": true, "do": true, "does": true, "be": true, "or": true, "from": true}

func terms(text string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	}) {
		if len(w) > 2 && !stopWords[w] {
			if len(w) > 5 {
				w = w[:5] // a crude stem: "refunds" and "refunded" meet
			}
			out[w] = true
		}
	}
	return out
}

// rankArticles scores published articles by the query's terms found in
// their title (three times) and body.
func rankArticles(arts []Article, query string, n int) []Article {
	q := terms(query)
	type scored struct {
		a     Article
		score int
	}
	var out []scored
	for _, a := range arts {
		title, body := terms(a.PublishedTitle), terms(a.PublishedBody)
		score := 0
		for t := range q {
			if title[t] {
				score += 3
			}
			if body[t] {
				score++
			}
		}
		if score > 0 {
			out = append(out, scored{a, score})
		}
	}
	slices.SortStableFunc(out, func(x, y scored) int { return y.score - x.score })
	res := make([]Article, 0, min(n, len(out)))
	for i := 0; i < len(out) && i < n; i++ {
		res = append(res, out[i].a)
	}
	return res
}
