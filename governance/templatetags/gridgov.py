from django import template
from django.conf import settings
from django.template.defaulttags import CsrfTokenNode, NowNode
from django.template.loader_tags import BlockNode
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language

from governance.memo_keys import Unkeyable, freeze
from governance.urlcache import fixed_reverse

register = template.Library()


@register.simple_tag
def fixed_url(name: str, arg=None) -> str:
    """`{% url name %}` or `{% url name arg %}`, reversed once per process (the layout's
    links, a list's rows: governance/urlcache.py)."""
    return fixed_reverse(name, arg)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


def _query_without(request, *names: str) -> str:
    """The current query string without the named parameters, ready to take `&k=v`."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    encoded = params.urlencode()
    return f"{encoded}&" if encoded else ""


def page_window(number: int, count: int, around: int = 2) -> list[int | None]:
    """Page numbers to show: the first, the last and a few around the current one;
    None marks a gap (…)."""
    shown = {1, count, *range(max(1, number - around), min(count, number + around) + 1)}
    out: list[int | None] = []
    previous = 0
    for n in sorted(shown):
        if n - previous > 1:
            out.append(None)
        out.append(n)
        previous = n
    return out


@register.inclusion_tag("_pager.html", takes_context=True)
def pager(context, page):
    """Numbered pages (first, last, neighbours), keeping the filters and the sort."""
    request = context["request"]
    return {
        "page": page,
        "base": _query_without(request, "page"),
        "numbers": page_window(page.number, page.paginator.num_pages)
        if page.has_other_pages()
        else [],
    }


@register.simple_tag(takes_context=True)
def sort_link(context, key: str, label: str):
    """A column heading that sorts by `key` (the view whitelists the keys); a second
    click reverses the order. The current order is marked with an arrow."""
    from django.utils.html import format_html

    request = context["request"]
    current = request.GET.get("sort", "")
    descending = current == f"-{key}"
    target = key if descending or current != key else f"-{key}"
    arrow = "↓" if descending else ("↑" if current == key else "")
    css = "sorted" if arrow else ""
    href = f"?{_query_without(request, 'sort', 'page')}sort={target}"
    return format_html(
        '<a href="{}" class="{}">{}{}</a>',
        href,
        css,
        label,
        arrow,
    )


@register.filter
def flag(value) -> bool:
    """True or False: a lazy right (command_share) as a value a `{% memo %}` key can hold."""
    return bool(value)


@register.filter
def not_zero(value):
    """For badges that mean "something needs attention": shown only above zero."""
    try:
        return int(value) > 0
    except (TypeError, ValueError):
        return False


# A `{% memo %}` fragment keeps at most this many versions per process (one per language
# and combination of its values: a menu per role mix and page, a few hundred at most —
# values that differ per user, such as counts, are kept outside the fragments).
MEMO_ENTRIES = 1024


class MemoNode(template.Node):
    """`{% memo name=value … %}…{% endmemo %}`: the fragment's HTML, rendered once per
    process for each language and set of values, then reused.

    The layout is on every page and is mostly fixed text — its `{% translate %}`s, static
    URLs and menu cost about a third of a light page's CPU (docs/performance.md). The
    fragment is rendered in a context holding only the values named in the tag, so what
    it shows can depend on nothing else: a variable not named renders empty from the first
    time, and one user's data cannot end up in another's page. A value the key cannot
    hold exactly (an object, not text, numbers or lists of them) is rendered each time."""

    # Not walked from outside: `{% extends %}` searches the whole parent template for its
    # blocks on every render, and a fragment holds none (refused below); its nodes are
    # only its own business.
    child_nodelists = ()

    def __init__(self, nodelist, values):
        self.nodelist = nodelist
        self.values = values
        self.kept: dict = {}

    def render(self, context):
        values = {name: expr.resolve(context) for name, expr in self.values.items()}
        try:
            # The links inside follow the URL prefix and urlconf, as fixed_url's do.
            key = (
                get_language(),
                get_script_prefix(),
                str(get_urlconf() or settings.ROOT_URLCONF),
                freeze(values, lazy_by_identity=True),
            )
        except Unkeyable:
            return self._render(context, values)
        html = self.kept.get(key)
        if html is None:
            html = self._render(context, values)
            if len(self.kept) >= MEMO_ENTRIES:
                self.kept.clear()
            self.kept[key] = html
        return html

    def _render(self, context, values):
        # The same template and escaping; none of the page's variables, and no request.
        own = template.Context(
            values, autoescape=context.autoescape, use_l10n=context.use_l10n, use_tz=context.use_tz
        )
        own.template = context.template
        own.render_context = context.render_context
        return self.nodelist.render(own)


@register.tag
def memo(parser, token):
    bits = token.split_contents()[1:]
    values = template.base.token_kwargs(bits, parser, support_legacy=False)
    if bits:
        raise template.TemplateSyntaxError("{% memo %} takes only name=value arguments")
    nodelist = parser.parse(("endmemo",))
    parser.delete_first_token()
    # A block is the page's to fill, a CSRF token is the session's and {% now %} the
    # moment's: none is the same for everyone with the same values.
    for kind in (BlockNode, CsrfTokenNode, NowNode):
        if nodelist.get_nodes_by_type(kind):
            raise template.TemplateSyntaxError(
                f"{{% memo %}} cannot hold a {kind.__name__}: keep it outside the fragment"
            )
    return MemoNode(nodelist, values)
