package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// NotificationJSON is one notification of the caller.
type NotificationJSON struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	Title     string     `json:"title"`
	Body      string     `json:"body"`
	Link      string     `json:"link,omitempty" doc:"A path in SCRMS where the matter can be handled."`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
}

func (s *server) registerNotifications(api huma.API) {
	tags := []string{"Notifications"}
	huma.Register(api, huma.Operation{OperationID: "list-notifications", Method: http.MethodGet,
		Path: "/notifications", Summary: "The caller's latest notifications, newest first", Tags: tags},
		func(ctx context.Context, in *struct {
			Limit int `query:"limit" minimum:"1" maximum:"200" default:"50"`
		}) (*struct {
			Body struct {
				Items  []NotificationJSON `json:"items"`
				Unread int                `json:"unread"`
			}
		}, error) {
			a := actorFrom(ctx)
			ns, err := s.Notify.List(ctx, a, in.Limit)
			if err != nil {
				return nil, s.fail(ctx, "notifications", err)
			}
			out := &struct {
				Body struct {
					Items  []NotificationJSON `json:"items"`
					Unread int                `json:"unread"`
				}
			}{}
			out.Body.Items = []NotificationJSON{}
			for _, n := range ns {
				out.Body.Items = append(out.Body.Items, NotificationJSON{ID: n.ID, Kind: n.Kind, Title: n.Title, Body: n.Body,
					Link: n.Link, CreatedAt: n.CreatedAt, ReadAt: optTime(n.ReadAt)})
			}
			if out.Body.Unread, err = s.Notify.Unread(ctx, a); err != nil {
				return nil, s.fail(ctx, "notifications", err)
			}
			return out, nil
		})
	huma.Register(api, huma.Operation{OperationID: "read-notification", Method: http.MethodPost,
		Path: "/notifications/{id}/read", Summary: "Mark a notification read", Tags: tags,
		DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *struct {
			ID int64 `path:"id" minimum:"1"`
		}) (*struct{}, error) {
			if err := s.Notify.MarkRead(ctx, actorFrom(ctx), in.ID); err != nil {
				return nil, s.fail(ctx, "read notification", err)
			}
			return nil, nil
		})
	huma.Register(api, huma.Operation{OperationID: "read-all-notifications", Method: http.MethodPost,
		Path: "/notifications/read", Summary: "Mark all the caller's notifications read", Tags: tags,
		DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, _ *struct{}) (*struct{}, error) {
			if err := s.Notify.MarkRead(ctx, actorFrom(ctx), 0); err != nil {
				return nil, s.fail(ctx, "read notifications", err)
			}
			return nil, nil
		})
}
