package transfer

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/pegasus-go/pegasus/internal/properties"
)

// ConfigFromProperties builds a Config from the properties of a command's
// --conf file (and -D overrides) and the environment:
//
//	pegasus.transfer.threads      concurrent transfers (default 8)
//	pegasus.transfer.attempts     attempts per transfer (default 3)
//	pegasus.transfer.backoff      first back-off in seconds (default 5; doubles)
//	pegasus.transfer.links        true: symlink same-site local transfers
//	pegasus.transfer.s3cfg        the Pegasus s3cfg file (else $S3CFG, else
//	                              ~/.pegasus/s3cfg when it exists)
//	pegasus.transfer.s3.*         S3 endpoint and credentials (see S3Config)
//
// $KICKSTART_INTEGRITY_DATA names the integrity data file (set by
// kickstart). getenv is os.Getenv in commands.
func ConfigFromProperties(p *properties.Properties, getenv func(string) string) (Config, error) {
	if p == nil {
		p = properties.New()
	}
	var c Config
	c.Threads = p.Int("pegasus.transfer.threads", 0)
	c.Attempts = p.Int("pegasus.transfer.attempts", 0)
	if v, ok := p.Get("pegasus.transfer.backoff"); ok {
		s, err := strconv.ParseFloat(v, 64)
		if err != nil || s < 0 {
			return c, fmt.Errorf("pegasus.transfer.backoff %q: want seconds", v)
		}
		c.Backoff = time.Duration(s * float64(time.Second))
		if c.Backoff == 0 {
			c.Backoff = time.Nanosecond
		}
	}
	c.Symlink = p.Bool("pegasus.transfer.links", false)
	c.IntegrityFile = getenv("KICKSTART_INTEGRITY_DATA")
	c.S3 = S3ConfigFromEnv(getenv)
	cfgFile := p.String("pegasus.transfer.s3cfg", getenv("S3CFG"))
	explicit := cfgFile != ""
	if cfgFile == "" {
		if home := getenv("HOME"); home != "" {
			cfgFile = filepath.Join(home, ".pegasus", "s3cfg")
		}
	}
	if cfgFile != "" {
		if err := c.S3.LoadS3Cfg(cfgFile); err != nil && (explicit || !os.IsNotExist(err)) {
			return c, fmt.Errorf("s3cfg: %w", err)
		}
	}
	if err := c.S3.ApplyProperties(p.Get); err != nil {
		return c, err
	}
	return c, nil
}
