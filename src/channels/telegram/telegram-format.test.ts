import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkTelegramHtml } from '../../../test/helpers/telegram-html-check.js';
import { htmlToPlain, markdownToTelegramHtml, renderTelegramChunks } from './telegram-format.js';

describe('Markdown to Telegram HTML (assistant.md 10.5, vector telegram-bot-api)', () => {
  it('converts the MDTAG answer as the real gateway did', () => {
    const md = 'Here is **bold**, _italic_, `inline code`, a [link](https://example.com/a?b=1&c=2), a raw <tag>inside</tag> element, 1 < 2 & 3 > 2.'
      + '\n\n```\ncode block <b>not bold</b>\n```\n\n- item one\n- item two';
    const html = markdownToTelegramHtml(md);
    assert.equal(
      html,
      'Here is <b>bold</b>, <i>italic</i>, <code>inline code</code>, a <a href="https://example.com/a?b=1&amp;c=2">link</a>, '
        + 'a raw inside element, 1 &lt; 2 &amp; 3 &gt; 2.\n\n<pre><code>code block &lt;b&gt;not bold&lt;/b&gt;\n</code></pre>\n\n• item one\n• item two',
    );
    assert.equal(checkTelegramHtml(html), undefined);
  });

  it('never lets a raw tag from the model through as markup', () => {
    for (const md of ['<b>x</b>', '<script>alert(1)</script>', 'a <tag> b', '<a href="javascript:x">y</a>', '**<i>x</i>**', '[x](javascript:alert(1))', '[y](javascript:void)']) {
      const html = markdownToTelegramHtml(md);
      assert.equal(checkTelegramHtml(html), undefined, html);
      assert.doesNotMatch(html, /<script|href="javascript|<tag/);
    }
    assert.equal(markdownToTelegramHtml('a <tag> b'), 'a  b');
    assert.equal(markdownToTelegramHtml('# Title'), 'Title');
  });

  it('splits a long answer at paragraph boundaries, every chunk valid and within the limit', () => {
    const paragraphs = Array.from({ length: 70 }, (_, n) => `${n}. Paragraph with **bold**, \`code\`, a <tag> & ampersand, and [a link](https://example.com).`);
    const chunks = renderTelegramChunks(['# Title', ...paragraphs].join('\n\n'), 4000);
    assert.equal(chunks.length, 3);
    for (const c of chunks) {
      assert.ok(c.html.length <= 4000);
      assert.equal(checkTelegramHtml(c.html), undefined);
      assert.equal(c.plain, htmlToPlain(c.html));
    }
    assert.ok(chunks[0]?.html.startsWith('Title\n\n0. Paragraph with <b>bold</b>'));
    assert.ok(chunks[2]?.html.endsWith('69. Paragraph with <b>bold</b>, <code>code</code>, a  &amp; ampersand, and <a href="https://example.com">a link</a>.'));
    const joined = chunks.map((c) => c.html).join('\n\n');
    assert.equal(joined, markdownToTelegramHtml(['# Title', ...paragraphs].join('\n\n')));
  });

  it('cuts a single paragraph or code block longer than the limit into valid pieces', () => {
    const chunks = renderTelegramChunks(`${'word '.repeat(3000)}\n\n\`\`\`\n${'x <y>\n'.repeat(1500)}\`\`\``, 1000);
    assert.ok(chunks.length > 10);
    for (const c of chunks) {
      assert.ok(c.html.length <= 1000, String(c.html.length));
      assert.equal(checkTelegramHtml(c.html), undefined);
    }
  });

  it('drops an answer with nothing to say', () => {
    assert.deepEqual(renderTelegramChunks('  \n\n <br> '), []);
  });
});
