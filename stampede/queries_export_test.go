package stampede

// FstrSQL and ExitcodeSQL expose the SQL formatting expressions to the
// external tests, which compare them with package report's.
var (
	FstrSQL     = fstrSQL
	ExitcodeSQL = exitcodeSQL
)
