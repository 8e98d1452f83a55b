# Metric snapshot models arrive with the metrics engine; the app exists so that its place in
# the layout (and its one-way dependency on pipeline) is fixed from the start.
