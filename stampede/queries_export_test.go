package stampede

// FstrSQL and ExitcodeSQL expose the SQL formatting expressions to the
// external tests, which compare them with package report's.
var (
	FstrSQL     = fstrSQL
	ExitcodeSQL = exitcodeSQL
)

// JobRowForTest is the sort key of a job listing row.
type JobRowForTest struct {
	Key uint64
	ID  int64
}

// SortJobRowsForTest sorts rows with the job listing's sort.
func SortJobRowsForTest(in []JobRowForTest) []JobRowForTest {
	rows := make([]jobRow, len(in))
	for i, r := range in {
		rows[i] = jobRow{key: r.Key, id: r.ID}
	}
	sortJobRows(rows)
	out := make([]JobRowForTest, len(rows))
	for i, r := range rows {
		out[i] = JobRowForTest{r.key, r.id}
	}
	return out
}
