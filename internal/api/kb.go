package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/scrms/scrms/internal/support"
)

// ArticleJSON is a knowledge-base article.
type ArticleJSON struct {
	ID             int64      `json:"id"`
	Slug           string     `json:"slug"`
	Category       string     `json:"category,omitempty"`
	Title          string     `json:"title" doc:"The draft's title."`
	Body           string     `json:"body" doc:"The draft's text."`
	Public         bool       `json:"public" doc:"Shown in the public help centre once published; otherwise for agents only."`
	Version        int        `json:"version" doc:"How often it was published; 0: a draft only."`
	PublishedTitle string     `json:"published_title,omitempty"`
	PublishedBody  string     `json:"published_body,omitempty"`
	PublishedAt    *time.Time `json:"published_at,omitempty"`
	Unpublished    bool       `json:"unpublished_changes" doc:"The draft differs from the published version."`
	HelpfulYes     int        `json:"helpful_yes"`
	HelpfulNo      int        `json:"helpful_no"`
	URL            string     `json:"url,omitempty" doc:"The public page, when public and published."`
}

func (s *server) articleJSON(a support.Article) ArticleJSON {
	j := ArticleJSON{ID: a.ID, Slug: a.Slug, Category: a.Category, Title: a.Title, Body: a.Body, Public: a.Public,
		Version: a.Version, PublishedTitle: a.PublishedTitle, PublishedBody: a.PublishedBody,
		PublishedAt: optTime(a.PublishedAt), Unpublished: a.Draft(), HelpfulYes: a.HelpfulYes, HelpfulNo: a.HelpfulNo}
	if a.Public && a.Published() {
		j.URL = s.BaseURL + "/help/articles/" + a.Slug
	}
	return j
}

// ArticleInJSON is a new article or changes to its draft.
type ArticleInJSON struct {
	Title    *string `json:"title,omitempty" maxLength:"200"`
	Body     *string `json:"body,omitempty" maxLength:"200000"`
	Category *string `json:"category,omitempty" maxLength:"100"`
	Public   *bool   `json:"public,omitempty"`
}

func (in ArticleInJSON) input() support.ArticleInput {
	return support.ArticleInput{Title: in.Title, Body: in.Body, Category: in.Category, Public: in.Public}
}

func (s *server) registerKB(api huma.API) {
	tags := []string{"Knowledge base"}
	type out struct{ Body ArticleJSON }
	huma.Register(api, huma.Operation{OperationID: "list-articles", Method: http.MethodGet, Path: "/kb/articles",
		Summary: "Knowledge-base articles, drafts included", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*struct{ Body []ArticleJSON }, error) {
			arts, err := s.Support.Articles(ctx, actorFrom(ctx))
			if err != nil {
				return nil, s.fail(ctx, "articles", err)
			}
			res := make([]ArticleJSON, 0, len(arts))
			for _, a := range arts {
				res = append(res, s.articleJSON(a))
			}
			return &struct{ Body []ArticleJSON }{res}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "create-article", Method: http.MethodPost, Path: "/kb/articles",
		Summary: "Write a new article (a draft)", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body ArticleInJSON }) (*out, error) {
			a, err := s.Support.CreateArticle(ctx, actorFrom(ctx), in.Body.input())
			if err != nil {
				return nil, s.fail(ctx, "create article", err)
			}
			return &out{s.articleJSON(a)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "get-article", Method: http.MethodGet, Path: "/kb/articles/{id}",
		Summary: "One article with its draft and published version", Tags: tags},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
		}) (*out, error) {
			a, err := s.Support.Article(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "article", err)
			}
			return &out{s.articleJSON(a)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "update-article", Method: http.MethodPatch, Path: "/kb/articles/{id}",
		Summary: "Change an article's draft", Tags: tags},
		func(ctx context.Context, in *struct {
			ID   int64 `path:"id" minimum:"1"`
			Body ArticleInJSON
		}) (*out, error) {
			a, err := s.Support.UpdateArticle(ctx, actorFrom(ctx), in.ID, in.Body.input())
			if err != nil {
				return nil, s.fail(ctx, "update article", err)
			}
			return &out{s.articleJSON(a)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "publish-article", Method: http.MethodPost, Path: "/kb/articles/{id}/publish",
		Summary: "Publish the draft as the article's new version", Tags: tags},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
		}) (*out, error) {
			a, err := s.Support.PublishArticle(ctx, actorFrom(ctx), in.ID)
			if err != nil {
				return nil, s.fail(ctx, "publish article", err)
			}
			return &out{s.articleJSON(a)}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "case-articles", Method: http.MethodGet, Path: "/cases/{id}/articles",
		Summary: "Published articles that may answer a case", Tags: tags},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
		}) (*struct{ Body []ArticleJSON }, error) {
			a := actorFrom(ctx)
			c, err := s.Support.FindCase(ctx, a, in.ID)
			if err != nil {
				return nil, s.fail(ctx, "case articles", err)
			}
			msgs, err := s.Support.Messages(ctx, a, in.ID)
			if err != nil {
				return nil, s.fail(ctx, "case articles", err)
			}
			text := ""
			for _, m := range msgs {
				if m.Inbound {
					text = m.Body
					break
				}
			}
			arts, err := s.Support.SuggestArticles(ctx, a, c, text, 5)
			if err != nil {
				return nil, s.fail(ctx, "case articles", err)
			}
			res := make([]ArticleJSON, 0, len(arts))
			for _, x := range arts {
				res = append(res, s.articleJSON(x))
			}
			return &struct{ Body []ArticleJSON }{res}, nil
		})
	huma.Register(api, huma.Operation{OperationID: "satisfaction", Method: http.MethodGet, Path: "/surveys/satisfaction",
		Summary: "Average CSAT or NPS per agent or queue", Tags: []string{"Service"}},
		func(ctx context.Context, in *struct {
			Kind  string    `query:"kind" enum:"csat,nps" default:"csat"`
			By    string    `query:"by" enum:"agent,queue" default:"agent"`
			Since time.Time `query:"since" doc:"Answers from this time on; default the last 90 days."`
		}) (*struct {
			Body []SatisfactionJSON
		}, error) {
			since := in.Since
			if since.IsZero() {
				since = time.Now().AddDate(0, 0, -90)
			}
			rows, err := s.Support.SatisfactionBy(ctx, actorFrom(ctx), in.Kind, in.By, since)
			if err != nil {
				return nil, s.fail(ctx, "satisfaction", err)
			}
			res := &struct {
				Body []SatisfactionJSON
			}{}
			for _, r := range rows {
				res.Body = append(res.Body, SatisfactionJSON{r.Key, r.Name, r.Answers, r.Average, r.NPS})
			}
			return res, nil
		})
}

// SatisfactionJSON is the average score of an agent's or a queue's surveys.
type SatisfactionJSON struct {
	ID      int64   `json:"id"`
	Name    string  `json:"name"`
	Answers int     `json:"answers"`
	Average float64 `json:"average"`
	NPS     float64 `json:"nps,omitempty" doc:"Promoters minus detractors, in percent (NPS only)."`
}
