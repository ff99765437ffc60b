-- Argo CD health check for orgsync.dev kinds (Organization, Department).
--
-- It reads the Ready condition the controller writes and maps it, with its reason, to an Argo CD
-- health status; the condition's message becomes the health message. Install it through
-- argocd-cm (see argocd-cm-patch.yaml). Argo CD runs custom checks in gopher-lua with only the
-- base, package, table and a reduced os library, so this script uses nothing from string or math.

local hs = {}

-- BEGIN reason classes: generated from internal/decision's Reasons by `go generate ./config/argocd`.
-- Reasons of Ready=False that resolve on their own: something is still being created, deleted
-- or retried (Progressing).
local progressing = {
  WaitingForOrganization = true,
  WaitingForParent = true,
  RemoteError = true,
  DeletionBlocked = true,
  Deleting = true,
  DeletionPending = true,
}

-- Reasons of Ready=False where nothing moves until a person decides, and nothing has failed:
-- orgsync.dev/paused, or deletions held by the deletion budget (Suspended).
local suspended = {
  Paused = true,
  DeletionBudgetExceeded = true,
}

-- Reasons of Ready=False that need a person: the spec, the credentials or the remote system
-- must change first (Degraded).
local degraded = {
  ParentCycle = true,
  Conflict = true,
  CredentialsInvalid = true,
  InvalidSpec = true,
  UnsupportedChange = true,
  NotApplied = true,
  Drifted = true,
}
-- END reason classes.

local function describe(condition, fallback)
  if condition.message ~= nil and condition.message ~= "" then
    return condition.message
  end
  if condition.reason ~= nil and condition.reason ~= "" then
    return condition.reason
  end
  return fallback
end

local generation = nil
if obj.metadata ~= nil then
  generation = obj.metadata.generation
end

if obj.status == nil or next(obj.status) == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the orgsync controller to report status"
  return hs
end

local observed = obj.status.observedGeneration
if generation ~= nil and (observed == nil or observed < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the orgsync controller to observe generation " .. generation
  return hs
end

local ready = nil
if obj.status.conditions ~= nil then
  for _, condition in ipairs(obj.status.conditions) do
    if condition.type == "Ready" then
      ready = condition
      break
    end
  end
end

if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the Ready condition"
  return hs
end

if generation ~= nil and ready.observedGeneration ~= nil and ready.observedGeneration < generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the orgsync controller to observe generation " .. generation
  return hs
end

if ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready, "Ready")
  return hs
end

if ready.status == "False" and suspended[ready.reason] then
  hs.status = "Suspended"
  hs.message = describe(ready, "Paused")
  return hs
end

if ready.status == "False" and degraded[ready.reason] then
  hs.status = "Degraded"
  hs.message = describe(ready, "Not ready")
  return hs
end

if ready.status ~= "False" or progressing[ready.reason] then
  -- Unknown is the controller's "not decided yet".
  hs.status = "Progressing"
  hs.message = describe(ready, "Not ready yet")
  return hs
end

-- Ready=False for a reason this script does not know: a failure all the same.
hs.status = "Degraded"
hs.message = describe(ready, "Not ready")
return hs
