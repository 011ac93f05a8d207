from django import template

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
def not_zero(value):
    """For badges that mean "something needs attention": shown only above zero."""
    try:
        return int(value) > 0
    except (TypeError, ValueError):
        return False
