package alarmplan

import (
	"maps"
	"slices"
)

// dashboardTiers is the order of the dashboard's rows: the way a request
// travels, so a reader scans from the symptom to the cause.
var dashboardTiers = []string{tierEdge, tierWeb, tierDB, tierFS, tierMail}

const (
	widgetWidth  = 8 // three graphs per row of 24 columns
	widgetHeight = 6
)

// Dashboard is the body of the CloudWatch dashboard: the alarms' states on
// top (alarmARNs, in the order of specs), then one row per tier with a graph
// of each alarm's metric and its threshold.
func Dashboard(region string, specs []Alarm, alarmARNs []string) map[string]any {
	widgets := []map[string]any{{
		"type": "alarm", "x": 0, "y": 0, "width": 24, "height": 3,
		"properties": map[string]any{"title": "Alarms", "alarms": alarmARNs},
	}}
	y := 3
	for _, tier := range dashboardTiers {
		if !slices.ContainsFunc(specs, func(a Alarm) bool { return a.Tier == tier }) {
			continue // a tier with nothing watched (mail without mail_from) gets no row
		}
		widgets = append(widgets, map[string]any{
			"type": "text", "x": 0, "y": y, "width": 24, "height": 1,
			"properties": map[string]any{"markdown": "## " + tier},
		})
		y++
		x := 0
		for _, a := range specs {
			if a.Tier != tier {
				continue
			}
			if x+widgetWidth > 24 {
				x, y = 0, y+widgetHeight
			}
			widgets = append(widgets, map[string]any{
				"type": "metric", "x": x, "y": y, "width": widgetWidth, "height": widgetHeight,
				"properties": map[string]any{
					"title":   a.ID,
					"region":  region,
					"view":    "timeSeries",
					"period":  a.Period,
					"metrics": widgetMetrics(a),
					"annotations": map[string]any{"horizontal": []map[string]any{
						{"label": "alarm threshold", "value": a.Threshold},
					}},
				},
			})
			x += widgetWidth
		}
		y += widgetHeight
	}
	return map[string]any{"widgets": widgets}
}

// widgetMetrics is a graph's "metrics" list: the alarm's metric, or its
// expression with the inputs hidden.
func widgetMetrics(a Alarm) [][]any {
	if a.Expression == "" {
		return [][]any{metricRow(a.Metric, map[string]any{"stat": a.Metric.Stat})}
	}
	rows := [][]any{{map[string]any{"expression": a.Expression, "label": a.ID, "id": "e1"}}}
	for i, m := range a.Inputs {
		rows = append(rows, metricRow(m, map[string]any{"stat": m.Stat, "id": "m" + string(rune('1'+i)), "visible": false}))
	}
	return rows
}

func metricRow(m Metric, options map[string]any) []any {
	row := []any{m.Namespace, m.Name}
	for _, k := range slices.Sorted(maps.Keys(m.Dimensions)) {
		row = append(row, k, m.Dimensions[k])
	}
	return append(row, options)
}
