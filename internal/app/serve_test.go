package app_test

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/scrms/scrms/internal/app"
	"github.com/scrms/scrms/internal/app/apptest"
)

// A request in flight when the process is told to stop still gets its answer,
// and the server then stops listening.
func TestServeShutsDownGracefully(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "scrms.db")
	a, err := app.New(context.Background(), mustConfig(t, db), discardLog(), "test", app.Options{PasswordParams: apptest.Cheap})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.ServeListener(ctx, ln) }()
	url := "http://" + ln.Addr().String()
	for i := 0; ; i++ {
		res, err := http.Get(url + "/healthz")
		if err == nil {
			res.Body.Close()
			break
		}
		if i > 50 {
			t.Fatal("server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop within 10 s")
	}
	if _, err := http.Get(url + "/healthz"); err == nil {
		t.Fatal("server still answers after shutdown")
	}
}
