package ingest

import (
	"reflect"
	"testing"
)

// TestEventReset sets every field of an Event (and of its Src) to a value
// other than zero, one field at a time and all at once, and checks that
// reset zeroes it: a field added to Event and not to reset fails here.
func TestEventReset(t *testing.T) {
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Struct:
			for i := range v.NumField() {
				fill(v.Field(i))
			}
		case reflect.String:
			v.SetString("x")
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Int, reflect.Int64, reflect.Uint8:
			if v.CanInt() {
				v.SetInt(7)
			} else {
				v.SetUint(7)
			}
		case reflect.Float64:
			v.SetFloat(1.5)
		case reflect.Pointer:
			v.Set(reflect.New(v.Type().Elem()))
		case reflect.Slice:
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		default:
			t.Fatalf("Event has a %v field: teach this test and reset about it", v.Kind())
		}
	}
	var all Event
	fill(reflect.ValueOf(&all).Elem())
	all.reset()
	if !reflect.ValueOf(all).IsZero() {
		t.Fatalf("reset left %+v", all)
	}
	typ := reflect.TypeFor[Event]()
	for i := range typ.NumField() {
		var e Event
		fill(reflect.ValueOf(&e).Elem().Field(i))
		e.reset()
		if !reflect.ValueOf(e).Field(i).IsZero() {
			t.Errorf("reset left Event.%s", typ.Field(i).Name)
		}
	}
}
