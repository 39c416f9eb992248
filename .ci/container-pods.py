"""The Pods that scenarios/k8s-indexed-job.yaml's Jobs would create, for `podman kube play`.

podman kube play runs Pods, Deployments and PersistentVolumeClaims, not Jobs. This does what the Job
controller and the kubelet would do for one step of the manifest (the objects labelled
`appflow-harness/step: STEP`): a claim is passed on as it is (podman makes it a volume of that name); a Job
becomes one Pod per completion index (Indexed) or one Pod, named JOB-INDEX or JOB, with
JOB_COMPLETION_INDEX in every container's environment and `$(VAR)` in args and command expanded from the
environment (Kubernetes' rules: an undefined name is left as it is, `$$` is `$`), which podman 4.3
does not do itself. Local changes for the run: --image, --env NAME=VALUE (replaces that variable's value),
--append-args JOB=ARG (added to that Job's containers' args, e.g. a CI-sized --run-time),
--dns-option NAME:VALUE (the Pods' dnsConfig.options: see .ci/container.sh on aardvark-dns).

It also checks what the manifest's comments promise: an Indexed Job passes --workers equal to its
completions and runs them all at once, and the merge lists exactly one result file per index.

    python3 .ci/container-pods.py scenarios/k8s-indexed-job.yaml --step load --image IMG > load.yaml
"""

import argparse
import copy
import re
import sys

import yaml

STEP = "appflow-harness/step"
VAR = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


def expand(text, env):
    def one(m):
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1), m.group(0))

    return VAR.sub(one, text)


def fail(msg):
    sys.exit(f"container-pods: {msg}")


def pods_of(job, image, env_over, extra_args, dns_options):
    name = job["metadata"]["name"]
    spec = job["spec"]
    indexed = spec.get("completionMode") == "Indexed"
    completions = spec.get("completions", 1)
    template = spec["template"]
    out = []
    for index in range(completions) if indexed else [None]:
        pod_spec = copy.deepcopy(template["spec"])
        if dns_options:
            pod_spec.setdefault("dnsConfig", {})["options"] = dns_options
        for c in pod_spec["containers"]:
            c["image"] = image
            c["imagePullPolicy"] = "Never"
            env = [dict(e) for e in c.get("env", [])]
            for e in env:
                if e["name"] in env_over:
                    e["value"] = env_over[e["name"]]
            if indexed:
                env.append({"name": "JOB_COMPLETION_INDEX", "value": str(index)})
            if env:
                c["env"] = env
            values = {e["name"]: e.get("value", "") for e in env}
            for key in ("command", "args"):
                if key in c:
                    c[key] = [expand(a, values) for a in c[key]]
            c["args"] = c.get("args", []) + extra_args.get(name, [])
        labels = dict(template.get("metadata", {}).get("labels", {}))
        labels["job-name"] = name
        metadata = {"name": name if index is None else f"{name}-{index}", "labels": labels}
        if indexed:
            metadata["annotations"] = {"batch.kubernetes.io/job-completion-index": str(index)}
        out.append({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": pod_spec})
    return out


def flag(args, name):
    for a in args:
        if a.startswith(f"--{name}="):
            return a.split("=", 1)[1]
    return None


def check_manifest(docs):
    jobs = [d for d in docs if d.get("kind") == "Job"]
    indexed = [j for j in jobs if j["spec"].get("completionMode") == "Indexed"]
    if len(indexed) != 1:
        fail(f"expected one Indexed Job, found {len(indexed)}")
    load = indexed[0]
    n = load["spec"]["completions"]
    if load["spec"].get("parallelism") != n:
        fail(f"{load['metadata']['name']}: parallelism is not completions ({n})")
    args = load["spec"]["template"]["spec"]["containers"][0]["args"]
    if flag(args, "workers") != str(n):
        fail(f"{load['metadata']['name']}: --workers is {flag(args, 'workers')}, completions {n}")
    result = flag(args, "result")
    if result is None or "$(JOB_COMPLETION_INDEX)" not in result:
        fail(f"{load['metadata']['name']}: --result does not name the completion index")
    expected = [result.replace("$(JOB_COMPLETION_INDEX)", str(i)) for i in range(n)]
    merges = [
        j for j in jobs if j["spec"]["template"]["spec"]["containers"][0]["args"][:2] == ["load", "merge"]
    ]
    if len(merges) != 1:
        fail(f"expected one merge Job, found {len(merges)}")
    margs = merges[0]["spec"]["template"]["spec"]["containers"][0]["args"]
    files = [a for a in margs[2:] if not a.startswith("-")]
    if files != expected:
        fail(f"the merge reads {files}, the workers write {expected}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("manifest")
    p.add_argument("--step", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--append-args", action="append", default=[], metavar="JOB=ARG")
    p.add_argument("--dns-option", action="append", default=[], metavar="NAME:VALUE")
    a = p.parse_args()
    env_over = dict(e.split("=", 1) for e in a.env)
    dns_options = [dict(zip(("name", "value"), o.split(":", 1))) for o in a.dns_option]
    extra = {}
    for e in a.append_args:
        job, arg = e.split("=", 1)
        extra.setdefault(job, []).append(arg)

    with open(a.manifest) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    check_manifest(docs)
    out = []
    for d in docs:
        if d.get("metadata", {}).get("labels", {}).get(STEP) != a.step:
            continue
        if d["kind"] == "PersistentVolumeClaim":
            out.append(d)
        elif d["kind"] == "Job":
            out.extend(pods_of(d, a.image, env_over, extra, dns_options))
        else:
            fail(f"{d['kind']} {d['metadata']['name']}: not expected in step {a.step}")
    if not out:
        fail(f"no object is labelled {STEP}: {a.step}")
    yaml.safe_dump_all(out, sys.stdout, sort_keys=False)


if __name__ == "__main__":
    main()
