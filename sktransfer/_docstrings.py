"""Docstrings whose shared sections are written once."""

__all__ = ["fill_docstring"]


def fill_docstring(**sections):
    """A class decorator: each line ``%(name)s`` of the docstring is filled.

    ``sections[name](cls)`` gives the text, so that parameters several
    estimators share are written once, each class's own default put in.
    """

    def decorate(cls):
        doc = cls.__doc__
        for name, section in sections.items():
            doc = doc.replace(f"    %({name})s\n", section(cls))
        cls.__doc__ = doc
        return cls

    return decorate
