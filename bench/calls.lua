-- Shared by the wrk scripts: read prepared requests, one per line as
-- METHOD<TAB>PATH<TAB>AUTHORIZATION<TAB>JSON-BODY, into wrk request strings.
return function(file)
  local requests = {}
  for line in io.lines(file) do
    local method, path, auth, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    if method then
      local headers = { ["Content-Type"] = "application/json" }
      if #auth > 0 then headers["Authorization"] = auth end
      requests[#requests + 1] = wrk.format(method, path, headers, #body > 0 and body or nil)
    end
  end
  return requests
end
