package refine

import (
	"encoding/json"
	"testing"

	"github.com/pegasus-go/pegasus/planner/ewf"
)

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote\back`, "tab\tnl\ncr\r", "ctl\x01\x1f", "ünï 😀"} {
		b := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil || got != s {
			t.Errorf("%q -> %s -> %q, %v", s, b, got, err)
		}
	}
}

func TestTransferAndDirJSON(t *testing.T) {
	ts := []ewf.Transfer{{LFN: `f "a"`, Linkage: "input", Src: []ewf.URL{{Site: "local", URL: "file:///x/f"}, {Site: "s", URL: "http://h/f"}}, Dst: ewf.URL{Site: "local", URL: "file:///w/f"}}}
	var specs []struct {
		Type, Linkage, LFN string
		ID                 int
		SrcURLs            []struct {
			SiteLabel string `json:"site_label"`
			URL       string
			Priority  int
		} `json:"src_urls"`
		DestURLs []struct {
			SiteLabel string `json:"site_label"`
			URL       string
		} `json:"dest_urls"`
	}
	if err := json.Unmarshal(transferJSON(ts), &specs); err != nil {
		t.Fatal(err)
	}
	if len(specs) != 1 || specs[0].LFN != `f "a"` || specs[0].ID != 1 || specs[0].SrcURLs[1].Priority != 99 || specs[0].DestURLs[0].URL != "file:///w/f" {
		t.Fatalf("%+v", specs)
	}
	var entries []map[string]any
	if err := json.Unmarshal(dirJSON("remove", []ewf.URL{{Site: "a", URL: "file:///1"}, {Site: "b", URL: "file:///2"}}, true), &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[1]["id"] != float64(2) || entries[1]["target"].(map[string]any)["recursive"] != "True" {
		t.Fatalf("%v", entries)
	}
}
