package legacy

default allow = false

allow {
    input.http_request.method == "GET"
}
