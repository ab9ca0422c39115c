"""A repository rule that wraps a Debian system library as a cc_library.

Link flags come from pkg-config when the repository is fetched, so no flag list is written by hand.
"""

def _system_library_impl(ctx):
    linkopts = []
    if ctx.attr.pkg_config:
        result = ctx.execute(["pkg-config", "--libs"] + ctx.attr.pkg_config)
        if result.return_code != 0:
            fail("pkg-config {} failed: {}".format(ctx.attr.pkg_config, result.stderr))
        linkopts = result.stdout.strip().split(" ")
    linkopts = [f for f in linkopts + ctx.attr.libs if f]
    ctx.file("WORKSPACE", 'workspace(name = "{}")\n'.format(ctx.name))
    ctx.file("BUILD.bazel", """
cc_library(
    name = "{name}",
    linkopts = {linkopts},
    visibility = ["//visibility:public"],
)
""".format(name = ctx.name, linkopts = repr(linkopts)))

system_library = repository_rule(
    implementation = _system_library_impl,
    attrs = {
        "pkg_config": attr.string_list(),
        "libs": attr.string_list(),
    },
    environ = ["PKG_CONFIG_PATH"],
    local = True,
)
