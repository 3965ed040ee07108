package transfer

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pegasus-go/pegasus/internal/testutil"
)

func TestReadRequests(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     []Request
		wantErr  error
		wantLine int
	}{
		{
			name: "pegasus-5-stage-in",
			in: `[
 { "type": "transfer", "linkage": "input", "lfn": "sites.yml", "id": 1, "generate_checksum": true,
   "src_urls": [ { "site_label": "local", "url": "/home/u/sites.yml", "priority": 50 },
                 { "site_label": "cache", "url": "file:///cache/sites.yml", "priority": 100 } ],
   "dest_urls": [ { "site_label": "local", "url": "file:////scratch/run0001/./sites.yml" } ] }
]`,
			want: []Request{{ID: 1, Kind: KindTransfer, LFN: "sites.yml", Linkage: "input", GenerateChecksum: true, VerifySymlinkSource: true,
				Sources: []Endpoint{{"cache", "file:///cache/sites.yml", 100}, {"local", "/home/u/sites.yml", 50}},
				Dests:   []Endpoint{{"local", "file:////scratch/run0001/./sites.yml", 0}}}},
		},
		{
			name: "pegasus-5-mkdir-and-remove",
			in: `[ { "id": 1, "type": "mkdir", "target": { "site_label": "local", "url": "file:///scratch/run0001" } },
			       { "id": 2, "type": "remove", "target": { "site_label": "local", "url": "file:///scratch/run0001", "recursive": "True" } },
			       { "id": 3, "type": "remove", "targets": [ { "site_label": "s", "url": "file:///a" }, { "site_label": "s", "url": "file:///b" } ] } ]`,
			want: []Request{
				{ID: 1, Kind: KindMkdir, Target: Endpoint{Site: "local", URL: "file:///scratch/run0001"}, VerifySymlinkSource: true},
				{ID: 2, Kind: KindRemove, Target: Endpoint{Site: "local", URL: "file:///scratch/run0001"}, Recursive: true, VerifySymlinkSource: true},
				{ID: 3, Kind: KindRemove, Target: Endpoint{Site: "s", URL: "file:///a"}, VerifySymlinkSource: true},
				{ID: 3, Kind: KindRemove, Target: Endpoint{Site: "s", URL: "file:///b"}, VerifySymlinkSource: true},
			},
		},
		{
			name: "url-pairs",
			in:   "# local condorpool\nfile:///in/f.a\nfile:///scratch/f.a\n\n# src isi\n# dst local\ns3://b/k\n/tmp/k\n",
			want: []Request{
				{ID: 1, Kind: KindTransfer, Sources: []Endpoint{{"local", "file:///in/f.a", 0}}, Dests: []Endpoint{{"condorpool", "file:///scratch/f.a", 0}}, VerifySymlinkSource: true},
				{ID: 2, Kind: KindTransfer, Sources: []Endpoint{{"isi", "s3://b/k", 0}}, Dests: []Endpoint{{"local", "/tmp/k", 0}}, VerifySymlinkSource: true},
			},
		},
		{name: "empty", in: " \n", want: nil},
		{name: "pair-without-destination", in: "file:///a\nfile:///b\nfile:///c\n", wantErr: ErrFormat, wantLine: 3},
		{name: "two-urls-on-a-line", in: "file:///a file:///b\n", wantErr: ErrFormat, wantLine: 1},
		{name: "bad-json", in: "[\n {\"type\": \"transfer\",\n  oops }\n]", wantErr: ErrFormat, wantLine: 3},
		{name: "unknown-type", in: `[{"type": "teleport"}]`, wantErr: ErrFormat},
		{name: "transfer-without-dest", in: `[{"type": "transfer", "src_urls": [{"url": "/a"}]}]`, wantErr: ErrFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadRequests(strings.NewReader(tc.in), "list.in")
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				var pe *ParseError
				if tc.wantLine > 0 && (!errors.As(err, &pe) || pe.Line != tc.wantLine) {
					t.Errorf("err = %v, want line %d", err, tc.wantLine)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestReadTargets(t *testing.T) {
	got, err := ReadTargets(strings.NewReader("# files\nfile:///a/f.b\n\n/a/f.c\n"), "stdin", KindRemove, false)
	if err != nil {
		t.Fatal(err)
	}
	want := []Request{{ID: 1, Kind: KindRemove, Target: Endpoint{URL: "file:///a/f.b"}}, {ID: 2, Kind: KindRemove, Target: Endpoint{URL: "/a/f.c"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}
	got, err = ReadTargets(strings.NewReader(`[{"type": "remove", "target": {"url": "file:///w"}}]`), "stdin", KindRemove, true)
	if err != nil || len(got) != 1 || !got[0].Recursive {
		t.Errorf("JSON with recursive: %+v %v", got, err)
	}
	if _, err := ReadTargets(strings.NewReader("a b\n"), "stdin", KindMkdir, false); !errors.Is(err, ErrFormat) {
		t.Errorf("err = %v", err)
	}
}

// TestReadSampleLists reads every transfer list of the real Pegasus 5
// submit directories.
func TestReadSampleLists(t *testing.T) {
	dir := testutil.SamplesDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*", "00", "00", "*.in"))
	n := 0
	for _, f := range files {
		base := filepath.Base(f)
		if strings.HasPrefix(base, "register_") {
			continue // pegasus-rc-client input, not a transfer list
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		reqs, err := ReadRequests(strings.NewReader(string(data)), f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if len(reqs) == 0 {
			t.Errorf("%s: no requests", f)
		}
		for _, r := range reqs {
			want := KindTransfer
			switch {
			case strings.HasPrefix(base, "create_dir_"):
				want = KindMkdir
			case strings.HasPrefix(base, "cleanup_"):
				want = KindRemove
			}
			if r.Kind != want {
				t.Errorf("%s: kind %v, want %v", f, r.Kind, want)
			}
			if want == KindRemove && !r.Recursive {
				t.Errorf("%s: leaf cleanup not recursive", f)
			}
		}
		n++
	}
	if n == 0 {
		t.Fatal("no transfer lists in the samples")
	}
}

func TestParseLocation(t *testing.T) {
	tests := []struct {
		in   string
		want location
		err  bool
	}{
		{in: "/a/b/../c", want: location{scheme: schemeFile, path: "/a/c"}},
		{in: "file:///a/./b", want: location{scheme: schemeFile, path: "/a/b"}},
		{in: "file:////a/b", want: location{scheme: schemeFile, path: "/a/b"}},
		{in: "file://localhost/a%20b", want: location{scheme: schemeFile, path: "/a b"}},
		{in: "symlink:///a", want: location{scheme: schemeSymlink, path: "/a"}},
		{in: "s3://bucket/dir/key", want: location{scheme: schemeS3, bucket: "bucket", key: "dir/key"}},
		{in: "s3://user@amazon/bucket/key", want: location{scheme: schemeS3, identity: "user@amazon", bucket: "bucket", key: "key"}},
		{in: "s3s://bucket", want: location{scheme: schemeS3, bucket: "bucket", secure: true}},
		{in: "https://example.org/f", want: location{scheme: schemeHTTP}},
		{in: "gsiftp://host/a", err: true},
		{in: "relative/path", err: true},
		{in: "s3://", err: true},
	}
	for _, tc := range tests {
		got, err := parseLocation(tc.in)
		if tc.err {
			if !errors.Is(err, ErrUnsupported) {
				t.Errorf("%s: err = %v, want ErrUnsupported", tc.in, err)
			}
			continue
		}
		tc.want.raw = tc.in
		if err != nil || got != tc.want {
			t.Errorf("%s: got %+v %v, want %+v", tc.in, got, err, tc.want)
		}
	}
}
