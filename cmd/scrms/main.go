// Command scrms runs SCRMS: the web UI, the JSON API and background jobs in
// one process, and the commands that administer an installation.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/scrms/scrms/internal/app"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Main(ctx, app.OSEnv(version))
	stop()
	os.Exit(code)
}
