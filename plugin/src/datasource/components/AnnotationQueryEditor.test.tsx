import React from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { AnnotationQueryEditor } from './AnnotationQueryEditor';
import { selectors } from './selectors';

describe('AnnotationQueryEditor', () => {
  it('picks pushes or cleanup candidates and an optional repository', async () => {
    const onChange = jest.fn();
    render(
      <AnnotationQueryEditor query={{ refId: 'Anno' }} onChange={onChange} onRunQuery={jest.fn()} datasource={{}} />
    );
    expect(screen.getByRole('radio', { name: 'Image pushes' })).toBeChecked();
    await userEvent.click(screen.getByRole('radio', { name: 'Cleanup candidates' }));
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'Anno', queryType: 'annotations', annotationKind: 'cleanup' });
    await userEvent.type(screen.getByLabelText(selectors.AnnotationQueryEditor.repository), 'x');
    expect(onChange).toHaveBeenLastCalledWith({
      refId: 'Anno',
      queryType: 'annotations',
      annotationKind: 'push',
      filters: { repository: 'x' },
    });
  });
});
