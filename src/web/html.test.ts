import { describe, expect, it } from 'vitest';
import { html, raw } from './html.ts';

describe('html templates', () => {
  it('escapes interpolated text, attributes included', () => {
    const name = `<script>alert("x")</script> & 'co'`;
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;</p>',
    );
  });

  it('inserts nested fragments and arrays as markup, skips null/undefined/false', () => {
    const items = ['a<b', 'c'].map((t) => html`<li>${t}</li>`);
    expect(html`<ul>${items}</ul>${null}${undefined}${false}${0}`.value).toBe('<ul><li>a&lt;b</li><li>c</li></ul>0');
  });

  it('inserts raw() markup unescaped', () => {
    expect(html`<div>${raw('<svg></svg>')}</div>`.value).toBe('<div><svg></svg></div>');
  });
});
