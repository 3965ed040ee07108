// Command pegasus-notify-email is a notification hook that emails what
// happened to a workflow or job. It is run by pegasus-monitord.
package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/pegasus-go/pegasus/internal/cli"
	"github.com/pegasus-go/pegasus/monitord"
)

const help = `
pegasus-notify-email - email a Pegasus workflow notification

Usage (as a hook in the abstract workflow, run by pegasus-monitord):
  <invoke when="at_end">pegasus-notify-email -t you@example.org</invoke>

Reads the PEGASUS_* variables pegasus-monitord sets and mails a summary
through sendmail. Without sendmail, it writes the message to
<submit dir>/notifications/<time>-<event>.eml (or --outbox DIR) and says so.

Examples:
  pegasus-notify-email -t alice@example.org
  pegasus-notify-email -t ops@example.org -f pegasus@cluster.example.org --sendmail /usr/lib/sendmail
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(cli.ExitCode("pegasus-notify-email", err, os.Stderr))
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("pegasus-notify-email", help, stderr)
	to := fs.StringP("to", "t", "", "recipient `address` (default: $USER)")
	from := fs.StringP("from", "f", "", "sender `address`")
	sendmail := fs.String("sendmail", "", "sendmail `program` (default: sendmail on PATH, /usr/sbin/sendmail, /usr/lib/sendmail; \"none\" never sends)")
	outbox := fs.String("outbox", "", "write messages here when there is no sendmail (default <submit dir>/notifications)")
	fs.String("conf", "", "properties `file` (accepted for consistency; not used)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	n, err := monitord.NotificationFromEnv(getenv)
	if err != nil {
		return err
	}
	if *to == "" {
		*to = getenv("USER")
	}
	var msg bytes.Buffer
	fmt.Fprintf(&msg, "To: %s\n", *to)
	if *from != "" {
		fmt.Fprintf(&msg, "From: %s\n", *from)
	}
	fmt.Fprintf(&msg, "Subject: %s\nDate: %s\n\n%s", n.Subject(), time.Now().Format(time.RFC1123Z), n.Body())

	prog := *sendmail
	switch prog {
	case "":
		prog = findSendmail()
	case "none":
		prog = ""
	}
	if prog != "" {
		cmd := exec.CommandContext(ctx, prog, "-t", "-i")
		cmd.Stdin = &msg
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v: %s", prog, err, strings.TrimSpace(string(out)))
		}
		fmt.Fprintf(stdout, "mailed %q to %s\n", n.Subject(), *to)
		return nil
	}
	dir := *outbox
	if dir == "" {
		dir = filepath.Join(n.SubmitDir, "notifications")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	name := fmt.Sprintf("%s-%s-%s.eml", time.Now().Format("20060102T150405.000000000"), n.Event, safe(n.JobID))
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, msg.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "no sendmail found: message for %s written to %s\n", *to, p)
	return nil
}

func findSendmail() string {
	if p, err := exec.LookPath("sendmail"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/sendmail", "/usr/lib/sendmail"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

func safe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == ' ' {
			return '_'
		}
		return r
	}, s)
}
